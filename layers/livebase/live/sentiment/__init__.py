"""Offline multilingual sentiment for live-room comments: small hand-built lexicons, no network.

Languages: en, ms, th, id, vi, ar, de, fr, es (the markets' languages); other languages score
emoji only and report ``supported=False``. A comment is *negative* when its compound score is
below -0.05.

Limits, stated honestly:
- Lexicons hold a few dozen commerce and streaming terms per language (scam, fake, lag,
  expensive, love, cheap, ...). Anything else scores 0: recall on general text is low; the
  detector looks at *changes* in the negative share, which tolerates a steady miss rate.
- No sarcasm, irony, or context ("cheap" is praise for price, scorn for quality); no
  morphology beyond lower-casing, stretched letters ("sooo"), Arabic clitic prefixes and
  hamza/ta-marbuta folding; German compounds are missed unless listed.
- Negation looks back three tokens within a clause; French "j'aime pas" works only as a listed
  phrase; Arabic dialects differ widely, and transliterated Arabic (Arabizi) is not handled.
- Thai is matched by substring, longest term first: a listed term inside an unlisted longer word
  is a false hit (neutral blockers such as "ดีไซน์" guard known cases).
- Code-switching (Manglish, Taglish) scores only the words of the tagged language.
Scores are for aggregate trends per minute, never for judging one viewer.
"""

from livebase.live.sentiment.lexicon import SUPPORTED_LANGUAGES, Lexicon, lexicon, normalise
from livebase.live.sentiment.scoring import NEGATIVE_BELOW, Sentiment, is_negative, score

__all__ = [
    "NEGATIVE_BELOW",
    "SUPPORTED_LANGUAGES",
    "Lexicon",
    "Sentiment",
    "is_negative",
    "lexicon",
    "normalise",
    "score",
]
