"""Benchmarks: scripts that print `name: value` figures last (see README)."""
