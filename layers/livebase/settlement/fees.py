"""A market's fee schedule: what each party earns or costs per order, as data with a source per figure.

Read from ``config/settlement/<market>.yaml`` (reviewed like code); the settlement function gets the
same schedule as JSON in its environment (``SETTLEMENT_FEES``, set by the stack from that file). Each
figure says where it comes from and whether it is the seed report's (§4.1-4.2) or this project's
assumption, so ``./livebase business-case`` can say which figures are assumed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

FEES_VARIABLE = "SETTLEMENT_FEES"
CONFIG_DIR = Path(__file__).resolve().parents[3] / "config" / "settlement"


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Annotated[Decimal, Field(ge=0)]
    source: Annotated[str, Field(min_length=3)]
    assumed: bool  # not a figure of the seed report (or of a contract): this project's assumption


class FeeSchedule(BaseModel):
    """Rates are shares of the order's net value (before tax and duty) unless named otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    market: str
    currency: str
    commission_rate: Figure  # the base's commission on what is sold
    host_share_rate: Figure  # the host's share of what their session sold (kept sales only)
    host_fixed_per_session: Figure  # the host's fixed fee per session that sold, in the market's currency
    payment_rate: Figure  # the payment provider's fee on what it captured (tax included)
    payment_fixed_per_order: Figure
    logistics_rate: Figure  # outbound logistics and warehousing per shipped order
    return_logistics_per_return: Figure  # per return received back, in the market's currency

    def figures(self) -> dict[str, Figure]:
        return {name: value for name, value in self if isinstance(value, Figure)}

    def environment_json(self) -> str:
        """The schedule as the settlement function reads it (compact JSON)."""
        return self.model_dump_json()


def load_fees(market: str, directory: Path | None = None) -> FeeSchedule:
    """The schedule of ``market`` from ``config/settlement/<market>.yaml`` (``LookupError`` if it has none)."""
    import yaml  # flows and tools only: the function reads its schedule from its environment

    path = (directory or CONFIG_DIR) / f"{market}.yaml"
    if not path.is_file():
        raise LookupError(f"market {market!r} has no fee schedule ({path.name} under config/settlement)")
    schedule = FeeSchedule.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if schedule.market != market:
        raise ValueError(f"{path.name}: market is {schedule.market!r}, not {market!r}")
    return schedule


def fees_from_environment(environ: Mapping[str, str] | None = None) -> FeeSchedule:
    """Inside the settlement function: the schedule the stack put in its environment."""
    env = os.environ if environ is None else environ
    raw: Any = json.loads(env[FEES_VARIABLE])
    return FeeSchedule.model_validate(raw)
