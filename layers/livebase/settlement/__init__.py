"""The settlement ledger (issue 33): double-entry accounts per party, one balanced transaction per business event.

Pure: ``money`` (the rounding rule), ``accounts`` (parties, accounts, entries, transactions), ``fees`` (a
market's fee schedule, as data with its sources), ``postings`` (an order's transactions, computed from
Livebase's own order record), ``statements`` (trial balance and period statements per party). The
store is ``livebase.stores.settlement``; the consumer ``functions/settlement``; chapter ``docs/settlement.md``.
"""
