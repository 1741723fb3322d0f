"""Livebase domain library: shipped as a Lambda layer, imported by functions, flows and tests."""

__version__ = "0.1.0"
