"""A market's export to hq: aggregate cells only, each behind at least k viewers.

The schema is the guarantee: :class:`AggregateCell` has no viewer field, its ``key`` refuses
anything shaped like a viewer id, ``viewers`` counts how many distinct viewers stand behind the
figure, and :class:`MarketExport` refuses any cell below its ``k`` (and a ``k`` below
:data:`MIN_K`). :func:`market_export` builds it from a :class:`~livebase.lifecycle.analysis.Lifecycle`,
dropping the small cells (how many is reported, never which). Money travels converted into hq's
currency with the rate and the rate's date beside it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from livebase.aggregates.rates import DatedRate
from livebase.lifecycle.analysis import Lifecycle

SCHEMA_VERSION = 1
MIN_K = 5  # the smallest k any export may use; the flow's default is DEFAULT_K
DEFAULT_K = 10


# Keys are segment, stage, channel, campaign or cohort names: short codes, never "v_<hex>".
def _not_a_viewer(value: str) -> str:
    if value.startswith("v_"):
        raise ValueError("looks like a viewer id: an export names groups, never viewers")
    return value


CellKey = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$"), AfterValidator(_not_a_viewer)
]
Dimension = Literal["market", "segment", "stage", "channel", "campaign", "cohort"]
Metric = Literal["buyers", "orders", "gmv", "viewers", "repeat_rate", "checkout_conversion", "retention"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class HqMoney(BaseModel):
    """An amount in the market's currency and in hq's, with the rate used and its date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    local: Decimal
    local_currency: Currency
    hq: Decimal
    hq_currency: Currency
    rate: Decimal
    rate_date: date
    rate_source: Annotated[str, Field(max_length=80)]

    @classmethod
    def convert(cls, amount: float | Decimal, rate: DatedRate) -> HqMoney:
        local = Decimal(str(amount)).quantize(Decimal("0.01"))
        return cls(
            local=local, local_currency=rate.source, hq=rate.convert(local), hq_currency=rate.target,
            rate=rate.rate, rate_date=rate.on, rate_source=rate.source_name,
        )  # fmt: skip


class AggregateCell(BaseModel):
    """One figure: ``metric`` of ``dimension`` = ``key`` (``offset``: months, cohorts only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: Dimension
    key: CellKey
    metric: Metric
    viewers: Annotated[int, Field(ge=0, description="distinct viewers behind the figure")]
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    money: HqMoney | None = None
    offset: Annotated[int, Field(ge=0, le=120)] | None = None


class MarketExport(BaseModel):
    """Everything one market sends hq for one day; refuses a cell behind fewer than ``k`` viewers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    market: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    as_of: date
    k: Annotated[int, Field(ge=MIN_K, le=1000)]
    cells: tuple[AggregateCell, ...]
    suppressed_cells: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _no_small_cells(self) -> MarketExport:
        small = [f"{c.dimension}={c.key}/{c.metric}" for c in self.cells if c.viewers < self.k]
        if small:
            raise ValueError(f"cells: {len(small)} behind fewer than k={self.k} viewers ({', '.join(small[:3])})")
        return self

    def cell(self, dimension: str, key: str, metric: str, offset: int | None = None) -> AggregateCell | None:
        for c in self.cells:
            if (c.dimension, c.key, c.metric, c.offset) == (dimension, key, metric, offset):
                return c
        return None

    def object_key(self) -> str:
        """Where hq keeps it: ``aggregates/<market>/<as_of>.json`` (one per market and day, overwritten)."""
        return f"aggregates/{self.market}/{self.as_of.isoformat()}.json"


PARTITIONS = ("segment", "stage", "channel")  # dimensions whose cells add up to the market's figure
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _slug(value: object) -> str:
    """A campaign or channel name as a cell key; anything that does not fit is ``other``."""
    slug = str(value).strip().lower().replace(" ", "-")[:40]
    return slug if _KEY.match(slug) and not slug.startswith("v_") else "other"


def _suppressed_keys(cells: list[AggregateCell], k: int) -> set[tuple[str, str, int | None]]:
    """(dimension, key, offset) triples to leave out: those behind fewer than k viewers and, in a partition
    with exactly one such key, also its smallest other key (else market total minus the rest
    would give the small one away)."""
    small: set[tuple[str, str, int | None]] = {(c.dimension, c.key, c.offset) for c in cells if c.viewers < k}
    for dimension in PARTITIONS:
        hidden = {key for d, key, _ in small if d == dimension}
        if len(hidden) == 1:
            others = sorted((c.viewers, c.key) for c in cells if c.dimension == dimension and c.key not in hidden)
            if others:
                small.add((dimension, others[0][1], None))
    return small


def _cell(dimension: str, key: str, metric: str, viewers: int, value: float, **extra: object) -> AggregateCell:
    return AggregateCell.model_validate(
        {"dimension": dimension, "key": key, "metric": metric, "viewers": viewers, "value": value, **extra}
    )


def _gmv(dimension: str, key: str, viewers: int, amount: float, rate: DatedRate) -> AggregateCell:
    money = HqMoney.convert(amount, rate)
    return _cell(dimension, key, "gmv", viewers, float(money.hq), money=money)


def candidate_cells(lifecycle: Lifecycle, rate: DatedRate) -> list[AggregateCell]:
    """Every figure of the market before suppression (``viewers`` may be below any k here)."""
    buyers = lifecycle.buyers
    cells = [
        _cell("market", "all", "buyers", buyers, buyers),
        _cell("market", "all", "orders", buyers, lifecycle.orders_placed),
        _gmv("market", "all", buyers, lifecycle.gmv, rate),
        _cell("market", "all", "repeat_rate", buyers, lifecycle.repeat.rate),
        _cell("market", "all", "checkout_conversion", buyers, lifecycle.checkout_conversion),
    ]
    for row in lifecycle.segments.itertuples(index=False):
        cells.append(_cell("segment", str(row.segment), "viewers", int(row.viewers), int(row.viewers)))
    for stage, size in lifecycle.stage_sizes.items():
        cells.append(_cell("stage", stage, "viewers", size, size))
    for row in lifecycle.attribution.itertuples(index=False):
        dimension, key, viewers = str(row.dimension), _slug(row.key), int(row.viewers)
        cells.append(_cell(dimension, key, "orders", viewers, int(row.orders)))
        cells.append(_gmv(dimension, key, viewers, float(row.gmv), rate))
    for row in lifecycle.cohorts.itertuples(index=False):
        offset = int(row.offset)
        cells.append(
            _cell("cohort", str(row.cohort), "retention", int(row.viewers), float(row.retention), offset=offset)
        )
    return cells


def market_export(market: str, lifecycle: Lifecycle, rate: DatedRate, k: int = DEFAULT_K) -> MarketExport:
    """The export of one market: every candidate cell behind at least ``k`` viewers, the rest counted."""
    cells = [c for c in candidate_cells(lifecycle, rate) if c.viewers > 0]  # an empty cell tells nothing
    hidden = _suppressed_keys(cells, k)
    kept = tuple(c for c in cells if (c.dimension, c.key, c.offset) not in hidden and c.viewers >= k)
    as_of = lifecycle.as_of.date() - timedelta(days=1)  # Lifecycle.as_of is the end of the day
    return MarketExport(market=market, as_of=as_of, k=k, cells=kept, suppressed_cells=len(cells) - len(kept))
