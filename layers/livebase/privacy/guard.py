"""The residency guard at run time: the one check every path that writes outside a market's region calls.

``check_outbound(source, destination, document, what=...)`` screens the exact document about to
leave (``livebase.aggregates.screen.personal_data_in``: pseudonymous viewer ids, personal field
names, contact data) and asks ``livebase.markets.residency.may_send``. Personal data may go only
to a market in the same region that may hold it; anything else raises
:class:`~livebase.markets.residency.ResidencyViolation` naming the path and the reasons (never
the data). :func:`send_guarded` adds "nothing lost": a refused document is kept in the source
market's own quarantine (``keep``, in its region) before the error is raised.

Destinations outside every market (a Prefect server, an artifact store, a SaaS) are
:data:`OFF_REGION`: aggregates only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from livebase.aggregates.screen import personal_data_in
from livebase.markets.config import Market, ResidencyMode
from livebase.markets.residency import ResidencyViolation, may_send

T = TypeVar("T")
OFF_REGION = Market.model_construct(  # a stand-in for "somewhere else": no region of ours, aggregates only
    id="offregion", name="outside every market", region="none", currency="USD", languages=("en",),
    time_zone="UTC", residency=ResidencyMode.AGGREGATES_ONLY, edge_locations=("none",),
)  # fmt: skip


def as_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, default=str, sort_keys=True)


def check_outbound(source: Market, destination: Market, document: Any, *, what: str) -> None:
    """Raise ResidencyViolation when ``document`` carries personal data ``destination`` may not receive."""
    reasons = personal_data_in(as_text(document))
    if not may_send(source, destination, personal=bool(reasons)):
        raise ResidencyViolation(
            f"{what} of market {source.id!r} to {destination.id!r} ({destination.region}) refused: {'; '.join(reasons)}"
        )


def send_guarded(
    source: Market,
    destination: Market,
    document: Any,
    send: Callable[[Any], T],
    keep: Callable[[str, list[str]], str],
    *,
    what: str,
) -> T:
    """``send(document)`` when the guard allows it; else ``keep(text, reasons)`` in the source region
    (its return: where it was kept) and raise ResidencyViolation saying where."""
    try:
        check_outbound(source, destination, document, what=what)
    except ResidencyViolation as refused:
        kept = keep(as_text(document), personal_data_in(as_text(document)))
        raise ResidencyViolation(f"{refused}; kept in {source.region} at {kept}") from None
    return send(document)
