"""Selling: orders and the inventory that cannot oversell."""
