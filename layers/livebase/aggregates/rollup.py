"""hq's roll-up: GMV (in hq's currency), orders, conversion and segment sizes per market, and the total.

FX exposure per currency: what hq has receivable in each market currency (the markets' GMV in their
own currency, before conversion) and its value in hq's currency at each market's rate of the day;
the total sums it per currency. Aggregates only: the exports' market cells.

Built only from :class:`~livebase.aggregates.export.MarketExport` documents, so hq never needs or
sees anything below the market's k; a figure a market suppressed stays blank (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from livebase.aggregates.export import MarketExport

ROLLUP_ROLE_VARIABLE = "LIVEBASE_HQ_ROLLUP_ROLE"  # set on the flows' ECS tasks (flows/prefect_yaml.py)


def rollup_role_name(hq_id: str) -> str:
    """hq's reader of the markets' aggregates (created in hq's stack: infra_cdk/components/flow_runtime_roles.py),
    named so the markets' flow roles find it without a cross-Region reference."""
    return f"livebase-{hq_id}-rollup"


@dataclass(frozen=True)
class Exposure:
    """Receivable in ``currency`` (``local``), worth ``hq`` in hq's currency at the rates of the day."""

    currency: str
    local: Decimal
    hq: Decimal

    def text(self, hq_currency: str) -> str:
        if self.currency == hq_currency:
            return f"{self.currency} {self.local:,.2f}"
        return f"{self.currency} {self.local:,.2f} (= {self.hq:,.2f} {hq_currency})"


@dataclass(frozen=True)
class RollupRow:
    market: str
    as_of: str
    gmv_hq: Decimal | None
    hq_currency: str
    rate: str  # "1 EUR = 1.057 USD (2026-11-27)"
    orders: int | None
    buyers: int | None
    checkout_conversion: float | None
    repeat_rate: float | None
    segments: dict[str, int] = field(default_factory=dict)
    suppressed_cells: int = 0
    exposure: tuple[Exposure, ...] = ()  # per currency, from the market's GMV cell

    def line(self) -> str:
        def show(value: object, fmt: str = "{}") -> str:
            if value is None:  # a market's blank is a suppressed cell; the total's, a rate not summed
                return "per market" if self.market == "all" else "suppressed"
            return fmt.format(value)

        segments = ", ".join(f"{name} {size}" for name, size in self.segments.items()) or "none above k"
        exposure = "; ".join(e.text(self.hq_currency) for e in self.exposure) or "none"
        return (
            f"{self.market}: GMV {show(self.gmv_hq)} {self.hq_currency} ({self.rate}), orders {show(self.orders)}, "
            f"buyers {show(self.buyers)}, checkout conversion {show(self.checkout_conversion, '{:.1%}')}, "
            f"repeat rate {show(self.repeat_rate, '{:.1%}')}; segments: {segments}; FX exposure: {exposure}"
        )


def _value(export: MarketExport, metric: str) -> float | None:
    cell = export.cell("market", "all", metric)
    return None if cell is None else cell.value


def rollup_row(export: MarketExport, hq_currency: str) -> RollupRow:
    gmv = export.cell("market", "all", "gmv")
    money = gmv.money if gmv is not None else None
    orders, buyers = _value(export, "orders"), _value(export, "buyers")
    rate = f"1 {money.local_currency} = {money.rate} {money.hq_currency} ({money.rate_date})" if money else "no rate"
    return RollupRow(
        market=export.market,
        as_of=export.as_of.isoformat(),
        gmv_hq=money.hq if money else None,
        hq_currency=hq_currency,
        rate=rate,
        orders=None if orders is None else int(orders),
        buyers=None if buyers is None else int(buyers),
        checkout_conversion=_value(export, "checkout_conversion"),
        repeat_rate=_value(export, "repeat_rate"),
        segments={c.key: int(c.value) for c in export.cells if c.dimension == "segment"},
        suppressed_cells=export.suppressed_cells,
        exposure=(Exposure(money.local_currency, money.local, money.hq),) if money else (),
    )


def total_exposure(rows: Iterable[RollupRow]) -> tuple[Exposure, ...]:
    """The rows' exposure summed per currency (largest in hq's currency first)."""
    local: dict[str, Decimal] = {}
    hq: dict[str, Decimal] = {}
    for row in rows:
        for e in row.exposure:
            local[e.currency] = local.get(e.currency, Decimal(0)) + e.local
            hq[e.currency] = hq.get(e.currency, Decimal(0)) + e.hq
    return tuple(sorted((Exposure(c, local[c], hq[c]) for c in local), key=lambda e: (-e.hq, e.currency)))


def hq_rollup(exports: Iterable[MarketExport], hq_currency: str) -> list[RollupRow]:
    """One row per market, then ``all`` (sums of what every market exported; blanks count as 0)."""
    rows = [rollup_row(e, hq_currency) for e in sorted(exports, key=lambda e: e.market)]
    if not rows:
        return rows
    segments: dict[str, int] = {}
    for row in rows:
        for name, size in row.segments.items():
            segments[name] = segments.get(name, 0) + size
    total = RollupRow(
        market="all",
        as_of=max(r.as_of for r in rows),
        gmv_hq=sum((r.gmv_hq or Decimal(0) for r in rows), Decimal(0)),
        hq_currency=hq_currency,
        rate="per market",
        orders=sum(r.orders or 0 for r in rows),
        buyers=sum(r.buyers or 0 for r in rows),
        checkout_conversion=None,
        repeat_rate=None,
        segments=segments,
        suppressed_cells=sum(r.suppressed_cells for r in rows),
        exposure=total_exposure(rows),
    )
    return [*rows, total]
