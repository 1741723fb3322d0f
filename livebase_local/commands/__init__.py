"""The `./livebase` commands: the CLI and demo, up, replay, with the local Prefect server they start."""
