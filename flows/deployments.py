"""The flow catalogue (``flows/catalogue.py``) as the deployments `./livebase up` serves.

The same flows, schedules and triggers as ``prefect.yaml``'s process-pool deployments (generated
from the same table by ``flows/prefect_yaml.py``). The room-alert automation
(``flows/automations/room-alert.yaml``) targets ``room-alert/room-alert`` and is applied by `up`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from prefect.schedules import Cron

from flows.catalogue import FLOWS, FlowSpec, Trigger
from flows.markets import MARKETS
from livebase.markets.config import Market

SERVED_AS_AUTOMATION = frozenset({Trigger.ROOM_ALERT})  # `up` applies it as an automation, by name


def flow_of(spec: FlowSpec) -> Any:
    """The flow object the spec's entry point names."""
    return getattr(importlib.import_module(spec.module), spec.function)


def served_deployment(spec: FlowSpec, markets: Iterable[Market] | None = None) -> Any:
    """One flow's runner deployment, with its schedules over ``markets`` (default: every selling market)."""
    schedules = [
        Cron(entry.cron, timezone=entry.timezone, parameters=entry.parameters, slug=entry.slug)
        for entry in spec.schedules(markets)
    ]
    triggers = [t.event_trigger() for t in spec.triggers if t not in SERVED_AS_AUTOMATION]
    return flow_of(spec).to_deployment(
        name=spec.name,
        description=spec.description,
        tags=list(spec.tags),
        schedules=schedules,
        triggers=triggers,
    )


def deployments(markets: Iterable[str] | None = None) -> list[Any]:
    """Runner deployments for ``prefect.serve``; a flow added to the catalogue is served by `up`.

    ``markets``: the markets `up` runs; the per-market schedules cover only those.
    """
    chosen = None if markets is None else [MARKETS[m] for m in markets]
    return [served_deployment(spec, chosen) for spec in FLOWS]
