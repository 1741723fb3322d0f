"""Every signal on a market bus, one typed model per detail-type (the one place new signals go).

``contract``: the model base, :func:`bus_entry` (model → ``PutEvents`` entry) and :func:`parse_event`
(delivered event or SQS body → model); one module per family: ``stock`` (``stock.low`` /
``stock.out``), ``rooms`` (room alerts), ``supply`` (``PurchaseOrderCreated``), ``studio``
(``device.warning`` / ``device.failover``), ``orders`` (``OrderPlaced`` / ``OrderRejected``), ``presales``
(``presale.late`` / ``presale.short``).
Importing the package registers every family, so :func:`parse_event` knows them all.
"""

from livebase.signals import orders, presales, rooms, stock, studio, supply
from livebase.signals.contract import (
    BusSignal,
    Delivered,
    OtherSignal,
    SignalError,
    as_delivered,
    bus_entry,
    parse_event,
    signal_types,
)

__all__ = [
    "BusSignal", "Delivered", "OtherSignal", "SignalError", "as_delivered", "bus_entry", "orders", "parse_event",
    "presales", "rooms", "signal_types", "stock", "studio", "supply",
]  # fmt: skip
