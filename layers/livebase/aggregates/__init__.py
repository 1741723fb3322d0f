"""What may leave a market for hq: aggregates only (pure, no I/O).

``rates``: dated exchange rates (a table in ``config/fx_rates.json``, a provider interface for the
cloud); ``export``: the per-market export schema, which cannot express a viewer row and refuses
cells behind fewer than k viewers; ``rollup``: hq's view of every market.
"""
