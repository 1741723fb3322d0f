"""Seeded synthetic data for the local stack: live days, the demo's orders and opening stock."""
