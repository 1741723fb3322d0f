"""Loading the hand-built lexicons shipped beside this module (``lexicons/<lang>.json``).

Each file holds term magnitudes (1-3) for negative and positive words or short phrases, the
language's negation words, and intensifiers that act before or after a term. Text and terms go
through the same normalisation, so spelling variants (Arabic hamza forms, letter case) meet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ms", "th", "id", "vi", "ar", "de", "fr", "es")

_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")  # tashkeel and tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


def normalise(text: str, language: str) -> str:
    """Lower-case, and for Arabic fold diacritics and letter variants that users type either way."""
    text = text.lower()
    if language == "en":
        text = text.replace("n't", " not").replace("n’t", " not")
    elif language == "ar":
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    return text


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's compiled lexicon: signed term valences and their modifiers."""

    language: str
    segmentation: Literal["words", "substring"]
    terms: dict[str, float]  # signed valence (negative < 0)
    negations: frozenset[str]
    negations_after: frozenset[str]  # negation that follows its term ("gefällt mir nicht", "j'aime pas")
    before: dict[str, float]  # intensifier (or dampener < 1) placed before the term
    after: dict[str, float]  # intensifier placed after the term (Thai, Malay, Indonesian, ...)
    phrase_starts: frozenset[str]  # first tokens of multi-word terms (words mode)
    max_phrase: int
    by_length: tuple[str, ...]  # substring mode: longest terms first, so compounds win


def _compile(data: dict[str, Any], language: str) -> Lexicon:
    terms: dict[str, float] = {}
    for word in data.get("neutral", []):
        terms[normalise(word, language)] = 0.0  # blocks a shorter term inside a neutral compound
    for word, weight in data["positive"].items():
        terms[normalise(word, language)] = float(weight)
    for word, weight in data["negative"].items():
        terms[normalise(word, language)] = -float(weight)
    phrases = [t.split() for t in terms if " " in t]
    return Lexicon(
        language=language,
        segmentation=data["segmentation"],
        terms=terms,
        negations=frozenset(normalise(w, language) for w in data["negations"]),
        negations_after=frozenset(normalise(w, language) for w in data.get("negations_after", [])),
        before=_longest_first(data["intensifiers_before"], language),
        after=_longest_first(data["intensifiers_after"], language),
        phrase_starts=frozenset(p[0] for p in phrases),
        max_phrase=max((len(p) for p in phrases), default=1),
        by_length=tuple(sorted(terms, key=len, reverse=True)),
    )


def _longest_first(words: dict[str, float], language: str) -> dict[str, float]:
    """Longest first, so substring mode tries "มากๆ" before "มาก"."""
    pairs = sorted(((normalise(w, language), float(f)) for w, f in words.items()), key=lambda p: -len(p[0]))
    return dict(pairs)


def _read(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("lexicons", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def lexicon(language: str) -> Lexicon | None:
    """The compiled lexicon of ``language``, or None when Livebase has none for it."""
    if language not in SUPPORTED_LANGUAGES:
        return None
    return _compile(_read(f"{language}.json"), language)


@cache
def code_switched(primary: str, others: tuple[str, ...]) -> Lexicon | None:
    """``primary``'s lexicon with the words of ``others`` behind it, for comments that mix languages
    (Manglish, Arabizi with English): a token is looked up in ``primary`` first, then in each other in
    order; negations and intensifiers of all count. Substring-mode languages (Thai) never merge."""
    base = lexicon(primary)
    extra = [lex for lex in map(lexicon, others) if lex is not None and lex.segmentation == "words"]
    if base is None or base.segmentation != "words" or not extra:
        return base
    terms: dict[str, float] = {}
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    for lex in [*reversed(extra), base]:  # later updates win: primary last
        terms.update(lex.terms)
        before.update(lex.before)
        after.update(lex.after)
    phrases = [t.split() for t in terms if " " in t]
    return Lexicon(
        language=primary,
        segmentation="words",
        terms=terms,
        negations=base.negations.union(*(lex.negations for lex in extra)),
        negations_after=base.negations_after.union(*(lex.negations_after for lex in extra)),
        before=before,
        after=after,
        phrase_starts=frozenset(p[0] for p in phrases),
        max_phrase=max((len(p) for p in phrases), default=1),
        by_length=tuple(sorted(terms, key=len, reverse=True)),
    )


@cache
def emoji_valences() -> dict[str, float]:
    """Emoji carry the same meaning in every market's comments; scored for all languages."""
    data = _read("emoji.json")
    return {
        **{e: float(w) for e, w in data["positive"].items()},
        **{e: -float(w) for e, w in data["negative"].items()},
    }
