"""How a market sells: return window, refunds without a return, purchase limits, client prices.

One typed sub-model of :class:`livebase.markets.config.Market` (``commerce`` in ``cdk.json``
``context.markets.<id>``), read by the order's domain rules (``livebase.commerce.lifecycle``,
``pricing``, ``limits``). A market that says nothing gets the defaults below; a bad value stops
the load with the field named, like every other market setting.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# What to do with a line whose client price differs from Livebase's: refuse the order, or charge
# Livebase's price and say so on the line.
PricePolicy = Literal["refuse", "reprice"]
DEFAULT_RETURN_WINDOW_DAYS = 14  # the EU's right of withdrawal: the floor of the default


class CommerceRules(BaseModel):
    """One market's order rules; all of them decided by the back end, never by the client."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Days after delivery a buyer may still ask for a return (by the request's time).
    return_window_days: Annotated[int, Field(ge=0, le=365)] = DEFAULT_RETURN_WINDOW_DAYS
    # The law's right of withdrawal in this market (the EU: 14 days): the window may not be shorter.
    statutory_withdrawal_days: Annotated[int, Field(ge=0, le=365)] = 0
    # True: money may go back without goods coming back (ops with a reason; the buyer of a shipped
    # order within the window). False: only a cancel before hand-off or a received return refunds.
    refund_without_return: bool = False
    # Units of one SKU one viewer may buy in one session (a session plan's own value wins); None: no limit.
    purchase_limit_per_sku_per_session: Annotated[int, Field(ge=1, le=10_000)] | None = None
    price_policy: PricePolicy = "refuse"

    @model_validator(mode="after")
    def _window_covers_the_law(self) -> CommerceRules:
        if self.return_window_days < self.statutory_withdrawal_days:
            raise ValueError(
                f"return_window_days {self.return_window_days} is shorter than the market's statutory "
                f"withdrawal period of {self.statutory_withdrawal_days} days"
            )
        return self
