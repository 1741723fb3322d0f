"""The seed report's own chapter 4 arithmetic, recomputed: its figures are inputs, not truths.

Each :class:`Check` holds what the report states and what its own inputs give. The headline:
its three-year DCF example (GMV 3, 6, 10億; net cash flows -700, -400, +500萬 at 20 %) has an
NPV of about -572萬 (end-of-year flows) or -686萬 (flows at the start of each year), not the
stated "about -1500萬"; even taking the stated 5000萬 three-year investment as an extra outlay
today gives -5572萬. Its break-even formula returns negative GMVs (no break-even exists), and
two of its §4.2 profit sums do not follow from the figures beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from livebase.finance.metrics import npv, report_break_even

TOLERANCE = 0.05  # a stated "約" (about) figure holds within 5 %


@dataclass(frozen=True)
class Check:
    section: str
    claim: str
    stated: float | None  # None: the report states no number, only a conclusion
    computed: float
    holds: bool
    note: str = ""


def _about(stated: float, computed: float) -> bool:
    return abs(computed - stated) <= TOLERANCE * abs(stated)


# §4.3 example: GMV 3, 6, 10億 (30000, 60000, 100000萬); revenue 1800, 3600, 6000; cost 2500, 4000, 5500.
EXAMPLE_GMV = (30000.0, 60000.0, 100000.0)
EXAMPLE_REVENUE = (1800.0, 3600.0, 6000.0)
EXAMPLE_COST = (2500.0, 4000.0, 5500.0)
EXAMPLE_FLOWS = (-700.0, -400.0, 500.0)
EXAMPLE_RATE = 0.20
EXAMPLE_STATED_NPV = -1500.0


def example_flows() -> tuple[float, ...]:
    return tuple(r - c for r, c in zip(EXAMPLE_REVENUE, EXAMPLE_COST, strict=True))


def checks() -> list[Check]:
    flows = example_flows()
    end_of_year = npv(EXAMPLE_RATE, flows, first_period=1)
    start_of_year = npv(EXAMPLE_RATE, flows, first_period=0)
    with_investment = end_of_year - 5000.0
    improved = npv(EXAMPLE_RATE, (-700.0, 0.0, 1500.0), first_period=1)
    return [
        Check("§4.3", "net cash flows = revenue - cost: -700, -400, +500萬", sum(EXAMPLE_FLOWS), sum(flows),
              flows == EXAMPLE_FLOWS),
        Check("§4.3", "revenue is the same share of GMV each year", 0.06,
              max(r / g for r, g in zip(EXAMPLE_REVENUE, EXAMPLE_GMV, strict=True)), True,
              "6 % of GMV every year: the 15 % commission of §4.2 is not what the example uses"),
        Check("§4.3", "NPV at 20 % about -1500萬 (end-of-year flows)", EXAMPLE_STATED_NPV, end_of_year,
              _about(EXAMPLE_STATED_NPV, end_of_year),
              f"start-of-year flows give {start_of_year:,.1f}; with the 5000萬 investment as an outlay "
              f"today {with_investment:,.1f}: no convention gives -1500"),
        Check("§4.3", "break even in year 2 and +1500萬 in year 3 turns NPV positive", None, improved, improved > 0),
        Check("§4.3", "EBITDA 2000萬 on year-3 revenue is a margin of about 33 %", 0.33, 2000.0 / 6000.0,
              _about(0.33, 2000.0 / 6000.0)),
        Check("§4.2", "break-even GMV = 1000 / (0.15 - 0.30) = -6667萬", -6667.0,
              report_break_even(1000.0, 0.15, 0.30), _about(-6667.0, report_break_even(1000.0, 0.15, 0.30)),
              "arithmetic right, meaning wrong: a negative GMV says no break-even exists"),
        Check("§4.2", "break-even GMV = 1000 / (0.18 - 0.25) = -14286萬", -14286.0,
              report_break_even(1000.0, 0.18, 0.25), _about(-14286.0, report_break_even(1000.0, 0.18, 0.25)),
              "still negative: the variable rate is still above the commission"),
        Check("§4.2", "GMV 5億: 8000 - (15000 + 1000 + 500) = -8500萬", -8500.0, 8000.0 - 16500.0, True,
              "8000 is not the midpoint of its 5800-11800 revenue range (8800)"),
        Check("§4.2", "GMV 10億 at 25 % variable: total cost about 3.2億", 32000.0, 25000.0 + 1200.0 + 500.0,
              _about(32000.0, 26700.0), "0.25 × 10億 + 1200 + 500 = 26700萬"),
        Check("§4.2", "GMV 10億: profit about -1.7億", -17000.0, 15000.0 - 26700.0, _about(-17000.0, -11700.0)),
        Check("§4.2", "GMV 20億 at 20 %/20 %: total cost about 5.5億", 55000.0, 40000.0 + 1500.0 + 500.0,
              _about(55000.0, 42000.0)),
        Check("§4.2", "GMV 20億: profit about -1.5億", -15000.0, 40000.0 - 42000.0, _about(-15000.0, -2000.0),
              "revenue equals variable cost, so the loss is the fixed and strategic costs, -2000萬"),
        Check("§4.1", "fixed costs 730-1320萬 a year (upper end)", 1320.0, 250.0 + 120.0 + 300.0 + 150.0,
              _about(1320.0, 820.0), "rent, depreciation, team and tech add to 530-820; 1320 only with the "
              "one-time fit-out (500) added, and then the lower end would be 830, not 730"),
    ]  # fmt: skip
