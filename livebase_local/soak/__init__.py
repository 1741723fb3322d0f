"""The soak benchmark's parts: the runner in its own process, the producer, the audit (benchmarks/soak.py)."""
