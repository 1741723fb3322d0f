"""Every Prefect artifact a flow publishes goes through here: the residency guard first, then the
rules that let an operator read it in five seconds.

Artifacts live on the Prefect server, outside every market's region and read by ops everywhere
(``livebase.privacy.guard.OFF_REGION``: aggregates only). :func:`publish_table` and
:func:`publish_markdown` screen the exact table or markdown before Prefect sees it; a refused one is
kept in the market's own quarantine (``quarantine/<market>/artifacts/residency/``) and the flow
fails with a ``ResidencyViolation`` that names the artifact and why, never the data.

Readability (issue 30), enforced here once for every flow:

- a description is required (the line the UI lists the artifact by);
- a table's columns go in the order the caller names (``first``: the decision; ``last``: long
  provenance), its raw floats are rounded (:func:`number`); shares and money are formatted by the
  caller with :func:`pct` and :func:`money`;
- an empty table or markdown is refused unless the caller says why (``empty``): the artifact then
  carries that line (:func:`no_input` words one for a flow that had nothing to work on);
- text renders without CJK fonts: the report's unit 萬 (10,000 CNY) is written "10k CNY" (:func:`plain`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.markets import MARKETS, market_resources
from livebase.privacy.guard import OFF_REGION, Keeper, audience, send_guarded
from livebase.privacy.refused import RefusedDocuments

CONSUMER = "artifacts"
CROSS_MARKET = "hq"  # artifacts over several markets' figures are hq's (its aggregates)
NO_INPUT = "No input"
NOTE = "note"  # the column of the one row an empty table becomes

_UNITS = (  # the seed report's Chinese money units, as a reader without CJK fonts sees them
    (re.compile(r"\s*萬元"), " (10k CNY)"),
    (re.compile(r"\s*萬"), " (10k CNY)"),
    (re.compile(r"\s*億元?"), " (100M CNY)"),
)


def keeper(market: str) -> Keeper:
    """Keeps a refused artifact in ``market``'s data lake; the stack is looked up only on a refusal."""

    def keep(document: str, reasons: list[str]) -> str:
        return RefusedDocuments.of_market(market_resources(market), CONSUMER).keep(document, reasons)

    return keep


def no_input(missing: str) -> str:
    """The line of an artifact whose flow had nothing to work on: says what was missing."""
    return f"{NO_INPUT}: {missing}"


def pct(share: float | None, digits: int = 1) -> str:
    """A share (0.9527) as a percentage ("95.3%"); ``-`` for none."""
    return "-" if share is None else f"{share * 100:.{digits}f}%"


def money(amount: float | Decimal | str | None, currency: str, digits: int = 2) -> str:
    """An amount with its currency code ("1,234.50 SGD"); ``-`` for none."""
    return "-" if amount is None else f"{Decimal(str(amount)):,.{digits}f} {currency}"


def number(value: float) -> float:
    """A float as a table shows it: 2 decimals from 1 up, 3 significant digits below (never 0.952775)."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    return round(value, 2) if abs(value) >= 1 else float(f"{value:.3g}")


def plain(text: str) -> str:
    """``text`` with the report's CJK money units written out ("-572萬" -> "-572 (10k CNY)")."""
    for pattern, words in _UNITS:
        text = pattern.sub(words, text)
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return plain(value)
    return value


def ordered(row: Mapping[str, Any], first: Sequence[str] = (), last: Sequence[str] = ()) -> dict[str, Any]:
    """``row`` with the ``first`` columns leading, the ``last`` trailing, cells formatted."""
    middle = [k for k in row if k not in first and k not in last]
    keys = [k for k in first if k in row] + middle + [k for k in last if k in row]
    return {k: _cell(row[k]) for k in keys}


def readable_table(
    rows: Sequence[Mapping[str, Any]], empty: str | None = None, first: Sequence[str] = (), last: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The rows as published: ordered and formatted; an empty table is its ``empty`` line, or refused."""
    if not rows:
        if not empty:
            raise ValueError("an empty table artifact must say why (empty=...; no_input(...) when input was missing)")
        return [{NOTE: plain(empty)}]
    return [ordered(row, first, last) for row in rows]


def _described(key: str, description: str | None) -> str:
    if not description or not description.strip():
        raise ValueError(f"artifact {key!r} has no description: say what it shows")
    return plain(description)


def _guarded(market: str, key: str, document: Any, send: Callable[[Any], Any]) -> Any:
    source = MARKETS.get(market) or audience(market, "an unknown market")
    return send_guarded(source, OFF_REGION, document, send, keeper(market), what=f"artifact {key!r}")


def publish_table(
    market: str,
    key: str,
    table: Sequence[Mapping[str, Any]],
    description: str,
    *,
    empty: str | None = None,
    first: Sequence[str] = (),
    last: Sequence[str] = (),
) -> Any:
    """``create_table_artifact`` of the readable table (:func:`readable_table`) after the residency guard."""
    text = _described(key, description)
    rows = readable_table(table, empty, first, last)
    return _guarded(market, key, rows, lambda t: create_table_artifact(key=key, table=t, description=text))


def publish_markdown(market: str, key: str, markdown: str, description: str, *, empty: str | None = None) -> Any:
    """``create_markdown_artifact`` after the residency guard; empty markdown is its ``empty`` line, or refused."""
    text = _described(key, description)
    if not markdown.strip():
        if not empty:
            raise ValueError(f"artifact {key!r} is empty: say why (empty=...)")
        markdown = f"**{empty}**\n"
    body = plain(markdown)
    return _guarded(market, key, body, lambda m: create_markdown_artifact(key=key, markdown=m, description=text))
