"""The event-source runner: Kinesis mappings applied to handlers loaded per market; the EventBridge→Prefect bridge."""
