"""Comment sentiment per market language: recall of negatives and false alarms on the labelled set, and speed.

The set is ``tests/data/sentiment/<language>.tsv`` (``livebase.live.sentiment.evaluation``: a seeded hash
puts about a third of each language in the held-out part, which no rule was chosen on). Each market's
languages are scored by that market's scorer (``scorer_for(market.languages)``, the one the ingest
function uses), with the file's language as the client's tag; ``--wrong-tag`` gives every comment
another language of its market as its tag instead, to show what identification recovers. Goals: recall
>= 0.75 and false alarms <= 0.125 in every market language.

Speed: the model's load (once per process), then comments per second per core through the scorer
without its per-text cache (every comment new) and with it (the set scored again), CPU time of this
thread.

    .venv/bin/python benchmarks/sentiment.py [--part held-out|development|all] [--wrong-tag] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import cast

from livebase.live.sentiment.comments import CommentScorer
from livebase.live.sentiment.evaluation import Figures, Labelled, Part, load, measure, measure_markets
from livebase.live.sentiment.language_id import _model
from livebase.markets.config import load_markets

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "sentiment"
RECALL_GOAL, FALSE_ALARM_GOAL = 0.75, 0.125


def figures(part: Part, wrong_tag: bool) -> list[Figures]:
    markets = {name: market.languages for name, market in load_markets().items()}
    if not wrong_tag:
        return measure_markets(LABELLED, markets, part)
    found = []
    for name, languages in markets.items():
        if len(languages) < 2:
            continue
        scorer = CommentScorer(languages)
        for i, language in enumerate(languages):
            if (LABELLED / f"{language}.tsv").is_file():
                other = languages[(i + 1) % len(languages)]
                rows = [Labelled(other, row.text, row.negative) for row in load(LABELLED, language, part)]
                result = measure(name, rows, scorer)
                found.append(replace(result, language=language))
    return found


def speed(repeat: int) -> tuple[float, float, float]:
    """(model load s, comments/s per core uncached, comments/s per core cached) on the sea scorer."""
    started = time.thread_time()
    _model()
    load_s = time.thread_time() - started
    languages = load_markets()["sea"].languages
    rows = [row for language in languages for row in load(LABELLED, language)]
    scorer = CommentScorer(languages)
    scorer(rows[0].text, rows[0].language)  # the language columns
    uncached = cached = 0.0
    for _ in range(repeat):
        fresh = CommentScorer(languages)
        started = time.thread_time()
        for row in rows:
            fresh(row.text, row.language)
        uncached += time.thread_time() - started
        started = time.thread_time()
        for row in rows:
            fresh(row.text, row.language)
        cached += time.thread_time() - started
    count = len(rows) * repeat
    return load_s, count / max(uncached, 1e-9), count / max(cached, 1e-9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["held-out", "development", "all"], default="held-out")
    parser.add_argument("--wrong-tag", action="store_true", help="tag each comment with another market language")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    part = cast(Part, args.part)
    load_s, uncached, cached = speed(args.repeat)  # first: the model's load is part of it
    rows = figures(part, args.wrong_tag)
    print(f"part: {part}{' (client tag wrong)' if args.wrong_tag else ''}")
    print(f"{'market.lang':<12} {'neg':>4} {'ok':>4} {'recall':>7} {'false':>7}")
    for f in rows:
        name = f"{f.market}.{f.language}"
        print(f"{name:<12} {f.negatives:>4} {f.others:>4} {f.recall:>7.2f} {f.false_alarm_rate:>7.2f}")
    met = all(f.recall >= RECALL_GOAL and f.false_alarm_rate <= FALSE_ALARM_GOAL for f in rows)
    for f in rows:
        key = f"{f.market}_{f.language}"
        print(f"sentiment_{key}_recall: {f.recall:.3f}")
        print(f"sentiment_{key}_false_alarm_rate: {f.false_alarm_rate:.3f}")
    print(f"sentiment_min_recall: {min(f.recall for f in rows):.3f}")
    print(f"sentiment_max_false_alarm_rate: {max(f.false_alarm_rate for f in rows):.3f}")
    print(f"sentiment_goal_met: {'yes' if met else 'no'}")
    print(f"language_model_load_s: {load_s:.2f}")
    print(f"comments_per_s_per_core_uncached: {uncached:.0f}")
    print(f"comments_per_s_per_core_cached: {cached:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
