"""Lexicon scoring of one comment: sum of term valences, shaped by negations and intensifiers.

Words mode (space-separated languages): tokens within a clause, longest multi-word term first, a
negation among the three tokens before a term flips it (x -0.75, so "not bad" is mildly
positive), an intensifier right before or after scales it. Substring mode (Thai, written without
spaces): longest terms matched first and masked, negation/intensifier read from the text touching
the match. Emoji are scored in every language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from livebase.live.sentiment.lexicon import Lexicon, emoji_valences, lexicon, normalise

NEGATION_FACTOR = -0.75
NEGATION_WINDOW = 3
# compound = score / sqrt(score^2 + ALPHA) maps the raw sum into (-1, 1), as VADER does.
ALPHA = 15.0
NEGATIVE_BELOW = -0.05

_CLAUSE = re.compile(r"[.,!?;:()\[\]\n]+")
TOKEN = re.compile(r"[^\W_]+")
ELONGATED = re.compile(r"(\w)\1{2,}")
REPEATED = re.compile(r"(\w)\1+")
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """Score of one comment; ``hits`` counts lexicon terms and emoji that contributed."""

    score: float
    hits: int
    supported: bool
    language: str = ""  # the language it was scored as (identified, not the client's tag)

    @property
    def compound(self) -> float:
        return self.score / math.sqrt(self.score * self.score + ALPHA)

    @property
    def negative(self) -> bool:
        return self.compound <= NEGATIVE_BELOW


def score(text: str, language: str) -> Sentiment:
    """Score ``text`` written in ``language`` (ISO 639-1); unsupported languages score emoji only."""
    return score_with(text, language, lexicon(language))


def score_with(text: str, language: str, lex: Lexicon | None) -> Sentiment:
    """Score ``text`` with ``lex`` (a language's lexicon, possibly backed by mixed-in languages)."""
    text = normalise(text, language)
    total, hits = _score_emoji(text)
    if lex is not None:
        if lex.segmentation == "substring":
            value, count = _score_substring(text, lex)
        else:
            value, count = _score_words(text, lex)
        total += value
        hits += count
    return Sentiment(score=total, hits=hits, supported=lex is not None, language=language)


def is_negative(text: str, language: str) -> bool:
    return score(text, language).negative


@cache
def _emoji_pattern() -> re.Pattern[str]:
    return re.compile("[" + "".join(emoji_valences()) + "]")


# The symbol and pictograph blocks every scored emoji is in: one range check is ten times faster than
# the class of the emoji themselves, and most comments have none.
_EMOJI_BLOCKS = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")


def has_emoji(text: str) -> bool:
    """Whether any scored emoji is in ``text``."""
    return _EMOJI_BLOCKS.search(text) is not None and _emoji_pattern().search(text) is not None


def _score_emoji(text: str) -> tuple[float, int]:
    if _EMOJI_BLOCKS.search(text) is None:
        return 0.0, 0
    found = _emoji_pattern().findall(text)
    if not found:
        return 0.0, 0
    valences = emoji_valences()
    return sum(valences[e] for e in found), len(found)


def _lookup_variant(token: str, lex: Lexicon, elongated: bool) -> float | None:
    """Second chance for a token that missed: undo letter stretching, strip Arabic clitics."""
    if elongated and (shortened := REPEATED.sub(r"\1", token)) != token:
        found = lex.terms.get(shortened)
        if found is not None:
            return found
    if lex.language == "ar" and len(token) > 3:
        for prefix in _ARABIC_PREFIXES:
            if token.startswith(prefix) and len(token) - len(prefix) >= 2:
                found = lex.terms.get(token[len(prefix) :])
                if found is not None:
                    return found
    return None


def _score_words(text: str, lex: Lexicon) -> tuple[float, int]:
    stretched = ELONGATED.sub(r"\1\1", text)
    elongated = stretched != text
    second_chance = elongated or lex.language == "ar"
    terms, starts = lex.terms, lex.phrase_starts
    total, hits = 0.0, 0
    for clause in _CLAUSE.split(stretched):
        tokens = TOKEN.findall(clause)
        i, n = 0, len(tokens)
        in_phrase = [False] * n  # tokens of a matched phrase: its words are never a negation of another
        while i < n:
            token, span, valence = tokens[i], 1, None
            if token in starts:
                for size in range(min(lex.max_phrase, n - i), 1, -1):
                    valence = terms.get(" ".join(tokens[i : i + size]))
                    if valence is not None:
                        span = size
                        in_phrase[i : i + size] = [True] * size
                        break
            if valence is None:
                valence = terms.get(token)
                if valence is None and second_chance:
                    valence = _lookup_variant(token, lex, elongated)
                elif valence and token in lex.before and i + 1 < n and terms.get(tokens[i + 1]):
                    valence = None  # "super lente": an intensifier here, not praise of its own
            if valence:
                total += _shape_words(tokens, i, span, valence, lex, in_phrase)
                hits += 1
            i += span
    return total, hits


def _shape_words(tokens: list[str], i: int, span: int, valence: float, lex: Lexicon, in_phrase: list[bool]) -> float:
    if i > 0 and (factor := lex.before.get(tokens[i - 1])) is not None:
        valence *= factor
    end = i + span
    if end < len(tokens) and (factor := lex.after.get(tokens[end])) is not None:
        valence *= factor
    if span > 1 and any(t in lex.negations or t in lex.negations_after for t in tokens[i:end]):
        return valence  # the phrase carries its own negation ("aime pas")
    for k in range(i - 1, max(-1, i - 1 - NEGATION_WINDOW), -1):
        if in_phrase[k]:
            break  # "ما شاء الله جميل": the idiom's "ما" negates nothing
        if tokens[k] in lex.negations:
            return valence * NEGATION_FACTOR
        if lex.terms.get(tokens[k]):
            break  # another sentiment term sits between: the negation belongs to it
    for k in range(end, min(len(tokens), end + NEGATION_WINDOW)):
        if tokens[k] in lex.negations_after:
            return valence * NEGATION_FACTOR
        if lex.terms.get(tokens[k]):
            break
    return valence


def _score_substring(text: str, lex: Lexicon) -> tuple[float, int]:
    taken = bytearray(len(text))
    total, hits = 0.0, 0
    for term in lex.by_length:
        start = text.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * len(term)
                valence = lex.terms[term]
                if valence:
                    total += _shape_substring(text, start, end, valence, lex)
                    hits += 1
            start = text.find(term, end)
    return total, hits


def _shape_substring(text: str, start: int, end: int, valence: float, lex: Lexicon) -> float:
    before = text[:start].rstrip()
    for word, factor in lex.before.items():
        if before.endswith(word):
            valence *= factor
            before = before[: -len(word)].rstrip()
            break
    following = text[end:].lstrip()
    for word, factor in lex.after.items():
        if following.startswith(word):
            valence *= factor
            break
    if any(before.endswith(neg) for neg in lex.negations):
        valence *= NEGATION_FACTOR
    return valence
