"""The Livebase CDK app: one region-pinned ``MarketStack`` per market (see ``app.build_app``)."""
