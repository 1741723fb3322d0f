"""Tax and duty at the price the viewer sees (issue 33): per market, per destination country, as data.

``table``: the market's rules (``tables/<market>.toml``, reviewed like code, each rule with its
validity, value band and cited source), loaded and validated at cold start; ``quote``: an order's
net, tax, duty and landed totals and the rule that decided them, or why it is refused.
"""

from livebase.tax.quote import LineTax, TaxableLine, TaxQuote, quote_order, shown_unit_price
from livebase.tax.table import TaxTable, TaxTableError, market_tax_table, parse_table

__all__ = [
    "LineTax",
    "TaxQuote",
    "TaxTable",
    "TaxTableError",
    "TaxableLine",
    "market_tax_table",
    "parse_table",
    "quote_order",
    "shown_unit_price",
]
