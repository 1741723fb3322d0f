"""Channel attribution of orders: the room itself, a share link, or a named campaign.

The channel comes with the order (``OrderPlaced.channel`` / ``campaign``; older orders without it
were placed in the room). Each row also counts the distinct viewers behind it, so the export can
suppress small cells.
"""

from __future__ import annotations

import pandas as pd

from livebase.lifecycle.frame import ERASED, placed


def _grouped(sales: pd.DataFrame, column: str) -> pd.DataFrame:
    grouped = sales.groupby(column, observed=True)
    known = sales[sales["viewer_id"] != ERASED].groupby(column, observed=True)["viewer_id"].nunique()
    table = pd.DataFrame({"orders": grouped.size(), "gmv": grouped["total"].sum()})
    table["viewers"] = known.reindex(table.index, fill_value=0).astype("int64")
    table.index = table.index.astype(str)
    return table.rename_axis("key").reset_index()


def channel_attribution(frame: pd.DataFrame) -> pd.DataFrame:
    """Placed orders, GMV and distinct viewers per channel and per campaign (``dimension`` column)."""
    sales = placed(frame)
    channels = _grouped(sales, "channel").assign(dimension="channel")
    campaigns = _grouped(sales[sales["campaign"].notna()], "campaign").assign(dimension="campaign")
    parts = [part for part in (channels, campaigns) if len(part)]
    if not parts:
        return pd.DataFrame(columns=["dimension", "key", "orders", "gmv", "viewers"])
    out = pd.concat(parts, ignore_index=True)
    return out[["dimension", "key", "orders", "gmv", "viewers"]]
