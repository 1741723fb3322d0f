"""The WMS round trip and the order messages that come back on queues: what goes out, what comes back.

Out (``livebase.commerce.wms_handoff``), one message per placed order on the market's WMS
queue, deduplicated by the WMS on ``order_id``::

    {"type": "pick_pack", "order_id", "market", "warehouse", "placed_at", "lines": [{"sku", "quantity"}]}

Back, on two queues, every :data:`~livebase.commerce.messages.OrderMessage` (contracts in
``livebase.commerce.messages`` and ``docs/order-lifecycle.md``):

* ``shipment-updates``: the WMS's steps, one message per step (:data:`ShipmentUpdate`: ``handed``,
  ``picked``, ``shipped``, ``delivered``);
* ``order-returns``: the warehouse's received returns (inspected per line: sellable / written off)
  and ops' cancels, return requests and refunds (``./livebase order``), each with its reason.

The ``fulfilment`` function applies each through :class:`~livebase.commerce.order_life.OrderLife`,
the path the orders consumer takes for the live stream's cancels, refunds and returns: decided by
the order's state machine, stock following, a refusal kept in the order's state with its reason.
Steps only move an order forward: a redelivered or late one changes nothing and says why. No buyer
data travels either way: no name, address or tracking link, only the carrier's code.
"""

from __future__ import annotations

from pydantic import RootModel

from livebase.commerce.messages import OrderMessage, WmsUpdate

ShipmentUpdate = WmsUpdate  # the WMS's step message (the ``shipment_update`` wire shape)


class OrderMessageBody(RootModel[OrderMessage]):
    """One queue message's body: any order message, told apart by its ``type``."""


__all__ = ["OrderMessageBody", "ShipmentUpdate"]
