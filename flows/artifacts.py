"""Every Prefect artifact a flow publishes goes through here: the residency guard first.

Artifacts live on the Prefect server, outside every market's region and read by ops everywhere
(``livebase.privacy.guard.OFF_REGION``: aggregates only). :func:`publish_table` and
:func:`publish_markdown` screen the exact table or markdown before Prefect sees it; a refused one is
kept in the market's own quarantine (``quarantine/<market>/artifacts/residency/``) and the flow
fails with a ``ResidencyViolation`` that names the artifact and why, never the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.markets import MARKETS, market_resources
from livebase.privacy.guard import OFF_REGION, Keeper, audience, send_guarded
from livebase.privacy.refused import RefusedDocuments

CONSUMER = "artifacts"
CROSS_MARKET = "hq"  # artifacts over several markets' figures are hq's (its aggregates)


def keeper(market: str) -> Keeper:
    """Keeps a refused artifact in ``market``'s data lake; the stack is looked up only on a refusal."""

    def keep(document: str, reasons: list[str]) -> str:
        return RefusedDocuments.of_market(market_resources(market), CONSUMER).keep(document, reasons)

    return keep


def _guarded(market: str, key: str, document: Any, send: Callable[[Any], Any]) -> Any:
    source = MARKETS.get(market) or audience(market, "an unknown market")
    return send_guarded(source, OFF_REGION, document, send, keeper(market), what=f"artifact {key!r}")


def publish_table(market: str, key: str, table: Any, description: str | None = None) -> Any:
    """``create_table_artifact`` after the residency guard passed the table (rows as sent)."""
    return _guarded(market, key, table, lambda t: create_table_artifact(key=key, table=t, description=description))


def publish_markdown(market: str, key: str, markdown: str, description: str | None = None) -> Any:
    """``create_markdown_artifact`` after the residency guard passed the markdown."""
    return _guarded(
        market, key, markdown, lambda m: create_markdown_artifact(key=key, markdown=m, description=description)
    )
