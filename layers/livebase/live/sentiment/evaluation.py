"""Measuring the comment scorer on a labelled set: recall of negatives and false alarms, per market language.

The set is ``tests/data/sentiment/<language>.tsv`` (``neg`` / ``ok``, a tab, the comment; ``#`` starts a
note). Each comment belongs to the development part or the held-out part by a seeded hash of its
language and text (:func:`held_out`, about a third held out), fixed before any rule was chosen: lexicons
are tuned on the development part only, and the held-out figures are read once, by
``benchmarks/sentiment.py --part held-out``. Each language is scored by the scorer of every market that
speaks it, with the file's language as the client's tag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Literal

from livebase.live.sentiment.comments import scorer_for
from livebase.live.sentiment.scoring import Sentiment

SPLIT_SEED = "livebase-sentiment-split-1"
HELD_OUT_PERCENT = 35
Part = Literal["development", "held-out", "all"]


@dataclass(frozen=True, slots=True)
class Labelled:
    language: str
    text: str
    negative: bool


@dataclass(frozen=True, slots=True)
class Figures:
    """One market language on one part of the set."""

    market: str
    language: str
    negatives: int
    others: int
    caught: int  # negatives scored negative
    false_alarms: int  # others scored negative

    @property
    def recall(self) -> float:
        return self.caught / self.negatives if self.negatives else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0


def held_out(language: str, text: str) -> bool:
    """Fixed by a seeded hash, never by what the scorer does with the comment."""
    digest = blake2b(f"{SPLIT_SEED}|{language}|{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100 < HELD_OUT_PERCENT


def load(folder: Path, language: str, part: Part = "all") -> list[Labelled]:
    rows = []
    for number, line in enumerate((folder / f"{language}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in ("neg", "ok") or not text.strip():
            raise ValueError(f"{language}.tsv line {number}: expected 'neg' or 'ok', a tab, the comment")
        if part == "all" or held_out(language, text) == (part == "held-out"):
            rows.append(Labelled(language, text, label == "neg"))
    return rows


def measure(market: str, rows: Iterable[Labelled], scorer: Callable[[str, str], Sentiment]) -> Figures:
    negatives = others = caught = false_alarms = 0
    language = ""
    for row in rows:
        language = row.language
        flagged = scorer(row.text, row.language).negative
        if row.negative:
            negatives += 1
            caught += flagged
        else:
            others += 1
            false_alarms += flagged
    return Figures(market, language, negatives, others, caught, false_alarms)


def measure_markets(folder: Path, markets: dict[str, tuple[str, ...]], part: Part) -> list[Figures]:
    """Figures for every (market, language) the markets speak that has a labelled file."""
    figures = []
    for market, languages in markets.items():
        scorer = scorer_for(languages)
        for language in languages:
            if (folder / f"{language}.tsv").is_file():
                figures.append(measure(market, load(folder, language, part), scorer))
    return figures


def misses(folder: Path, languages: tuple[str, ...], language: str, part: Part) -> list[tuple[Labelled, Sentiment]]:
    """The comments the market's scorer gets wrong (for tuning: only ever on the development part)."""
    scorer = scorer_for(languages)
    wrong = []
    for row in load(folder, language, part):
        result = scorer(row.text, row.language)
        if result.negative != row.negative:
            wrong.append((row, result))
    return wrong
