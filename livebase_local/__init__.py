"""The embedded default: Livebase on one machine (moto server, event-source runner, Prefect)."""
