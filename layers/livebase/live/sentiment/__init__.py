"""Offline multilingual sentiment for live-room comments: language identification, then rules and lexicons.

``scorer_for(market.languages)`` is the room metrics' scorer: it identifies each comment's language
among the market's (``language_id``: py3langid's model, Thai and Arabic script, Arabizi; the client's tag
is a hint used when the model is unsure) and scores it with that language's lexicon, backed by the
words of the languages its speakers mix in (``comments``). ``score(text, language)`` scores with one
language's lexicon as told. A comment is *negative* when its compound score is at or below -0.05.

Rules (``scoring``): multi-word terms and idioms first (their words never negate another term: "ما شاء
الله جميل"), negation within three tokens before a term (and after it in German and French: "gefällt mir
nicht"), intensifiers before or after, stretched letters, Arabic clitics and spelling variants, emoji in
every language; Thai is matched by substring, longest term first. Figures on the labelled set and the
limits (sarcasm, questions, unseen vocabulary) are in docs/sentiment.md. Scores are for aggregate trends
per minute, never for judging one viewer.
"""

from livebase.live.sentiment.comments import CommentScorer, scorer_for
from livebase.live.sentiment.lexicon import SUPPORTED_LANGUAGES, Lexicon, lexicon, normalise
from livebase.live.sentiment.scoring import NEGATIVE_BELOW, Sentiment, is_negative, score

__all__ = [
    "NEGATIVE_BELOW",
    "SUPPORTED_LANGUAGES",
    "CommentScorer",
    "Lexicon",
    "Sentiment",
    "is_negative",
    "lexicon",
    "normalise",
    "score",
    "scorer_for",
]
