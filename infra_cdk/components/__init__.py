"""Small building blocks of a market stack, one concern per module."""
