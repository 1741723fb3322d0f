"""A market's cultural rules applied to what a session may show, each rejection with its rule.

Why explained: a merchandiser whose best seller never appears in mena needs to see "category
pork is banned in mena (cultural_rules.banned_listing_categories)", not a silent gap.

Categories are the catalogue's (``SkuTerms.category``, lower-case, e.g. ``alcohol``,
``apparel``); an uncategorised SKU is refused in a market that bans any category (it cannot be
shown to be allowed). ``modest_apparel``: apparel must carry the catalogue's ``modest`` flag.
"""

from __future__ import annotations

from dataclasses import dataclass

from livebase.markets.config import Market

APPAREL = "apparel"


@dataclass(frozen=True)
class Rejection:
    """A SKU left out of every session of the run, and why (the rule, in words)."""

    sku: str
    rule: str
    reason: str


def rejection(market: Market, sku: str, category: str | None, modest: bool) -> Rejection | None:
    """None when the SKU may be shown in the market, else the rule it breaks."""
    rules = market.cultural_rules
    banned = set(rules.banned_listing_categories)
    if banned and category is None:
        return Rejection(
            sku, "uncategorised", f"no category in the catalogue; {market.id} bans {sorted(banned)} so it is not shown"
        )
    if category in banned:
        return Rejection(
            sku, "banned_listing_categories", f"category {category} is banned in {market.id} (cultural_rules)"
        )
    if rules.modest_apparel and category == APPAREL and not modest:
        return Rejection(sku, "modest_apparel", f"apparel not flagged modest in the catalogue; {market.id} requires it")
    return None
