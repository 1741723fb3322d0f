"""Scoring a live-room comment in its market: identify the language, then score with that language's rules.

The client's language tag is only a hint (``language_id``). Each language's lexicon is backed by the
words of the languages its speakers mix in (English everywhere, Malay with Indonesian), so Manglish
("the colour not nice lah, kecewa") and Arabizi with English score on every word. Live chat repeats
itself ("lag", "wow", "how much?"), so results are kept per (text, hint) in a bounded cache; and a comment
with no word of any of the market's lexicons (most questions and greetings) skips identification.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache

from livebase.live.sentiment.language_id import LanguageIdentifier
from livebase.live.sentiment.lexicon import SUPPORTED_LANGUAGES, Lexicon, code_switched, normalise
from livebase.live.sentiment.scoring import ELONGATED, REPEATED, TOKEN, Sentiment, has_emoji, score_with

CACHED_COMMENTS = 8192
# Which languages a comment in the key language borrows words from, when the market speaks them.
_MIXED_WITH: dict[str, tuple[str, ...]] = {
    "en": ("ms", "id", "es", "ar", "de", "fr", "vi"),
    "ms": ("en", "id"),
    "id": ("en", "ms"),
    "vi": ("en",),
    "ar": ("en",),
    "de": ("en",),
    "fr": ("en",),
    "es": ("en",),
}


class CommentScorer:
    """``scorer(text, client_tag) -> Sentiment`` for one market's languages (the room metrics' scorer)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = tuple(lang for lang in languages if lang in SUPPORTED_LANGUAGES) or ("en",)
        self._identifier = LanguageIdentifier(self.languages)
        self._cached = lru_cache(maxsize=CACHED_COMMENTS)(self._score)
        latin = self._identifier.latin
        self._vocabulary = _first_words(code_switched(latin[0], latin[1:]) if latin else None)

    def __call__(self, text: str, language: str) -> Sentiment:
        return self._cached(text, language)

    def _score(self, text: str, hint: str) -> Sentiment:
        found = self._identifier.by_script(text, hint)
        if found is None:
            if not self._may_score(text):  # no word of any market language's lexicon: the language cannot matter
                return Sentiment(0.0, 0, supported=True, language=hint if hint in self.languages else self.languages[0])
            found = self._identifier.identify(text, hint)
        others = tuple(lang for lang in _MIXED_WITH.get(found.language, ()) if lang in self.languages)
        return score_with(text, found.language, code_switched(found.language, others))

    def _may_score(self, text: str) -> bool:
        words, collapsed = self._vocabulary
        tokens = TOKEN.findall(normalise(text, "en"))  # lower case, and "n't" as the lexicons write it
        if not words.isdisjoint(tokens):
            return True
        if ELONGATED.search(text) and not collapsed.isdisjoint(REPEATED.sub(r"\1", token) for token in tokens):
            return True  # "baaad"
        return has_emoji(text)


def _first_words(lex: Lexicon | None) -> tuple[frozenset[str], frozenset[str]]:
    """The first word of every term, as written and with repeated letters collapsed ("baaad" -> "bad")."""
    if lex is None:
        return frozenset(), frozenset()
    words = frozenset(term.split()[0] for term, valence in lex.terms.items() if valence and term.strip())
    return words, frozenset(REPEATED.sub(r"\1", word) for word in words)


@cache
def scorer_for(languages: tuple[str, ...]) -> Callable[[str, str], Sentiment]:
    """One scorer per set of market languages per process (the model and caches are shared)."""
    return CommentScorer(languages)
