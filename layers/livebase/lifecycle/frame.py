"""The orders frame every lifecycle module reads: one row per order, typed columns, validated once.

Why a frame: 5M orders per market are a few hundred MB as columns and seconds to group; per-order
Python objects would be minutes. Amounts are float64 in the market's currency: aggregates only,
never a ledger (the orders table keeps the exact decimal text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

PLACED = "placed"  # the order statuses of livebase.stores.orders (no import: this package has no I/O)
ATTEMPTED = ("placed", "rejected", "cancelled", "refunded")
ERASED = "erased"  # livebase.stores.order_table.ERASED_VIEWER: the sale stays, the person is gone
CHANNELS = ("room", "share_link", "campaign")  # livebase.live.events.OrderPlaced.channel; absent = room
COLUMNS = ("viewer_id", "placed_at", "total", "status", "channel", "campaign")


class OrdersFrameError(ValueError):
    """The orders cannot be analysed; the message names the column."""


def orders_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A validated frame from order dicts (``viewer_id``, ``placed_at``, ``total``, ``status`` and
    optional ``channel`` / ``campaign``)."""
    return validate(pd.DataFrame.from_records(list(rows), columns=list(COLUMNS)))


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the columns (categoricals for the repeated strings, UTC times)."""
    missing = [c for c in ("viewer_id", "placed_at", "total", "status") if c not in frame.columns]
    if missing:
        raise OrdersFrameError(f"orders frame lacks columns {missing}")
    out = pd.DataFrame(index=frame.index)
    viewers = frame["viewer_id"]
    if viewers.isna().any():
        raise OrdersFrameError("viewer_id: missing in some orders")
    out["viewer_id"] = viewers.astype("category")
    try:
        placed = pd.to_datetime(frame["placed_at"], utc=True)
    except (ValueError, TypeError) as error:
        raise OrdersFrameError(f"placed_at: not a timestamp ({type(error).__name__})") from None
    if placed.isna().any():
        raise OrdersFrameError("placed_at: missing in some orders")
    out["placed_at"] = placed
    total = pd.to_numeric(frame["total"], errors="coerce").astype("float64")
    if total.isna().any() or (total < 0).any() or not np.isfinite(total.to_numpy()).all():
        raise OrdersFrameError("total: must be a finite amount >= 0")
    out["total"] = total
    status = frame["status"].astype("string")
    unknown = sorted(set(status.dropna().unique()) - set(ATTEMPTED))
    if unknown or status.isna().any():
        raise OrdersFrameError(f"status: unknown values {unknown[:5]} (one of {', '.join(ATTEMPTED)})")
    out["status"] = pd.Categorical(status, categories=ATTEMPTED)
    channel = frame["channel"] if "channel" in frame.columns else pd.Series(None, index=frame.index)
    channel = channel.astype("object").where(channel.notna(), "room")
    bad = sorted(set(channel.unique()) - set(CHANNELS))
    if bad:
        raise OrdersFrameError(f"channel: unknown values {bad[:5]} (one of {', '.join(CHANNELS)})")
    out["channel"] = pd.Categorical(channel, categories=CHANNELS)
    campaign = frame["campaign"] if "campaign" in frame.columns else pd.Series(None, index=frame.index)
    out["campaign"] = campaign.astype("category")
    return out


def placed(frame: pd.DataFrame) -> pd.DataFrame:
    """The orders that count as sales (placed and not cancelled or refunded)."""
    return frame[frame["status"] == PLACED]


def identified(frame: pd.DataFrame) -> pd.DataFrame:
    """Orders whose buyer is known: an erased viewer's orders count in totals, never per viewer."""
    return frame[frame["viewer_id"] != ERASED]


def viewer_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per viewer of placed orders: first and last order time, order count, spend (index: viewer)."""
    sales = identified(placed(frame))
    grouped = sales.groupby("viewer_id", observed=True)
    summary = pd.DataFrame(
        {
            "first": grouped["placed_at"].min(),
            "last": grouped["placed_at"].max(),
            "orders": grouped.size(),
            "spend": grouped["total"].sum(),
        }
    )
    summary.index = pd.Index(summary.index.astype(str), name="viewer_id")  # buyers only, not every category
    return summary


def as_of_timestamp(as_of: pd.Timestamp | str) -> pd.Timestamp:
    """The end of the analysed day, UTC (orders placed on ``as_of`` count as recent)."""
    stamp = pd.Timestamp(as_of)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.normalize() + pd.Timedelta(days=1)
