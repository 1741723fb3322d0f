"""A session's audience split between two variants: what the plan says about an experiment.

The split itself is ``livebase.sessions.experiments.assign_variant`` (a keyed hash of the viewer's
pseudonymous key, stable, the experiment id as key) and each arm is its own live room
(``experiments.arm_room``: ``<session>-A`` / ``<session>-B``), so the analysis reads the arms
from the room metrics. A variant that changes what is streamed needs its own host on air at the
same time: the plan books a second host for arm B, or drops the experiment with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from livebase.sessions.experiments import VARIANTS, arm_room, assign_variant

ExperimentKind = Literal["none", "lineup_order", "host_style"]
DESCRIPTIONS = {
    "lineup_order": ("planned order (best first)", "best item last"),
    "host_style": ("host style as usual", "second host, alternative style"),
}
RULE = "livebase.sessions.experiments.assign_variant(viewer key, experiment_id, share_b)"


@dataclass(frozen=True)
class Split:
    experiment_id: str
    kind: str
    variants: tuple[str, str]  # what A and B show
    share_b: float  # fraction of viewers in B
    rooms: tuple[str, str]  # the arms' live rooms
    hosts: tuple[str, str]  # the host of each arm
    lineup_b: tuple[str, ...] = ()  # arm B's SKU order (lineup_order)
    rule: str = RULE


def experiment_split(
    kind: ExperimentKind, session_id: str, host_a: str, host_b: str, lineup: tuple[str, ...], share_b: float = 0.5
) -> Split:
    """The split of one session: arm rooms, hosts and (line-up order) arm B's order."""
    if kind == "none":
        raise ValueError("experiment: 'none' has no split")
    experiment_id = f"{session_id}-{kind}"
    order_b = (*lineup[1:], *lineup[:1]) if kind == "lineup_order" else lineup
    return Split(
        experiment_id, kind, DESCRIPTIONS[kind], share_b,
        (arm_room(session_id, VARIANTS[0]), arm_room(session_id, VARIANTS[1])), (host_a, host_b), order_b,
    )  # fmt: skip


__all__ = ["DESCRIPTIONS", "ExperimentKind", "Split", "assign_variant", "experiment_split"]
