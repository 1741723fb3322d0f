"""Risk control on orders: a score per order from the buyer's recent behaviour, and a hold above a line.

Pure rules over the order events this container has seen (the stream is partitioned by viewer,
so one container sees all of a viewer's orders); :mod:`~livebase.risk.orders` scores, the orders
consumer holds what scores high for review instead of serving it.
"""

from livebase.risk.orders import HOLD_AT, OrderRisk, RiskAssessment

__all__ = ["HOLD_AT", "OrderRisk", "RiskAssessment"]
