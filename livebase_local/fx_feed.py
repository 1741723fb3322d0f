"""The embedded default's exchange-rate feed: a recorded ECB reply replayed up to the day, so the local
day never runs out of rates and goes through the cloud's code path (the ``fx-rates`` flow).

The recorded reply (``recorded/ecb-eurofxref-daily-2026-12-04.xml``, the ECB's daily file format) is
written out as a 90-day history file (``eurofxref-hist-90d.xml``'s format) with its rates on every
business day up to the day asked for. The file's sender names it a replay of the recorded day, so the
provenance kept in hq's store says where the rates really come from. ``./livebase demo`` and ``up``
refresh hq's store from it before the roll-up; ``up`` also points ``$LIVEBASE_FX_FEED`` at it, so
the served ``fx-rates`` deployment reads it too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from livebase.aggregates.fx_source import ECB_NAMESPACE, GESMES_NAMESPACE, parse_ecb

RECORDED = Path(__file__).resolve().parent / "recorded" / "ecb-eurofxref-daily-2026-12-04.xml"
FEED_DAYS = 90


def replayed_reply(today: date, recorded: Path = RECORDED, days: int = FEED_DAYS) -> bytes:
    """The recorded rates on each weekday of the ``days`` up to ``today``, in the ECB's 90-day format."""
    _, [publication] = parse_ecb(recorded.read_bytes())
    weekdays = [today - timedelta(days=n) for n in range(days) if (today - timedelta(days=n)).weekday() < 5]
    rates = "".join(f'<Cube currency="{c}" rate="{r}"/>' for c, r in publication.per_euro.items())
    cubes = "".join(f'<Cube time="{day.isoformat()}">{rates}</Cube>' for day in weekdays)
    sender = f"European Central Bank (recorded reply of {publication.day}, replayed by the local feed)"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gesmes:Envelope xmlns:gesmes="{GESMES_NAMESPACE}" xmlns="{ECB_NAMESPACE}">\n'
        "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
        f"\t<gesmes:Sender>\n\t\t<gesmes:name>{sender}</gesmes:name>\n\t</gesmes:Sender>\n"
        f"\t<Cube>{cubes}</Cube>\n</gesmes:Envelope>"
    ).encode()


def write_feed(folder: Path, today: date | None = None) -> Path:
    """The replayed file under ``folder`` (``eurofxref-hist-90d.xml``), up to ``today`` (default: today, UTC)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "eurofxref-hist-90d.xml"
    path.write_bytes(replayed_reply(today or datetime.now(UTC).date()))
    return path


def refresh_local_rates(folder: Path, markets: Sequence[str] | None = None, today: date | None = None) -> list[str]:
    """hq's store refreshed from the local feed by the ``fx-rates`` flow (Prefect's API must be set); its lines.

    Also sets ``$LIVEBASE_FX_FEED`` to the feed for the processes started after (``up``'s worker).
    """
    from flows.fx_rates import FX_FEED_ENV, fx_rates

    feed = write_feed(folder, today)
    os.environ[FX_FEED_ENV] = str(feed)
    result = fx_rates(markets=list(markets) if markets else None, source=str(feed), as_of=today)
    return [f"exchange rates (local feed: the recorded ECB reply replayed to {result.newest}): {line}"
            for line in result.lines[:1]] + result.lines[1:]  # fmt: skip
