"""A market's Orders table: one item per order (key ``order_id``), read and written through pynamodb.

Why pynamodb for this table: it was in the design from the start, and the table's items are
typed documents (lines as a list of maps, money as text, timestamps), so one model declares
every attribute once with its type and codec and every reader and writer goes through it. The
handler writes orders, the flows read sales, summaries and WMS hand-offs: all of them here, so
nobody parses the stored timestamp text by hand. The other tables keep boto3 (conditional
transactions, batch codecs); this one is pynamodb everywhere.

How an item is laid out (the pynamodb model, every attribute and codec): :mod:`livebase.stores.order_table`.

A pynamodb error whose cause is transient (throttling, a 5xx, a dropped connection) is raised as
:class:`livebase.aws.TransientError`, so a stream consumer redelivers rather than quarantines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from livebase.aws import TransientError, is_transient
from livebase.commerce.messages import OrderMessage
from livebase.commerce.order_state import OrderState
from livebase.live.events import OrderPlaced
from livebase.markets.resources import MarketResources
from livebase.stores.order_states import (  # the status names, re-exported: every reader imports them from here
    CANCELLED,
    PLACED,
    WMS_PICKED,
    WMS_SENDING,
    WMS_SENT,
    WMS_SHIPPED,
    Decided,
    coarse_status,
    fulfilment_fields,
    opening_fields,
    state_fields,
    state_of,
)
from livebase.stores.order_states import (
    REFUNDED as REFUNDED,
)
from livebase.stores.order_states import (
    REJECTED as REJECTED,
)
from livebase.stores.order_table import DEFAULT_RETENTION_DAYS, ERASED_VIEWER, OrderRecord, order_model, order_record
from livebase.tax import TaxQuote


@contextmanager
def _transient_causes() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as error:
        if error.cause is not None and is_transient(error.cause):
            raise TransientError(f"{type(error).__name__}: {error.cause_response_code or error.cause}") from error
        raise


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


class OrderStore:
    """Every read and write of one market's Orders table."""

    # What each reader needs, no more (a scan pays for what it returns).
    SALES_ATTRIBUTES = ("placed_at", "status", "lines", "state")  # state: net demand (sales − returns)
    LIFECYCLE_ATTRIBUTES = ("viewer_id", "placed_at", "total", "status", "channel", "campaign")
    HANDOFF_ATTRIBUTES = ("order_id", "market", "placed_at", "lines", "status", "wms_status", "wms_claimed_at")

    def __init__(self, table_name: str, region: str, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.model = order_model(table_name, region)
        self.retention_days = retention_days

    @classmethod
    def for_market(cls, resources: MarketResources, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> OrderStore:
        """The store of the market's table, in the market's own region."""
        return cls(resources.orders_table, resources.region, retention_days=retention_days)

    # ---- the orders consumer ---------------------------------------------------------------------
    def open(self, order: OrderPlaced, state: OrderState, decided: Decided, tax: TaxQuote | None = None) -> OrderRecord:
        """Store an order as decided at placement (Livebase's prices, its state at version 0, its tax and
        duty), once: a record already there is returned as it is (a redelivery; the state may have moved on)."""
        record = order_record(self.model, order, coarse_status(state), self.retention_days)
        for name, value in {**opening_fields(state, decided), **(tax.record_fields() if tax else {})}.items():
            setattr(record, name, value)
        # Livebase's price, where it has one (a refused price keeps the client's), and the line's tax and duty
        for index, line in enumerate(record.lines):
            line.unit_price = str(decided.unit_prices.get(line.sku, line.unit_price))
            for name, value in (tax.line_fields(index) if tax else {}).items():
                setattr(line, name, value)
        try:
            with _transient_causes():
                record.save(condition=self.model.order_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            found = self.get(order.order_id)
            assert found is not None, order.order_id
            return found
        return record

    def read_state(self, order_id: str) -> tuple[OrderRecord, OrderState] | None:
        """The stored order and its state (derived from the record for an order stored before
        issue 28); None for an order this market does not know."""
        record = self.get(order_id)
        return None if record is None else (record, state_of(record))

    def write_state(self, record: OrderRecord, state: OrderState, message: OrderMessage | None = None) -> bool:
        """Store ``state`` if the stored one is still the version it was decided on (``state.version - 1``);
        False when another writer got there first (re-read and decide again). ``message``: what moved
        it, for the fulfilment fields a warehouse step also sets (``wms_status``, its time, carrier)."""
        model = self.model
        seen = state.version - 1
        condition = model.state_version == seen if record.state_version is not None else model.state.does_not_exist()
        actions = [getattr(model, name).set(value) for name, value in state_fields(state).items()]
        actions += [getattr(model, name).set(value) for name, value in fulfilment_fields(record, message).items()]
        try:
            with _transient_causes():
                model(record.order_id).update(actions=actions, condition=condition & model.order_id.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def cancel_guard(self, order_id: str) -> dict[str, Any]:
        """A ``TransactWriteItems`` item for the release of a cancelled order's stock: the order is
        not handed to the WMS (no ``wms_status``), and from that moment it is ``cancelled``, so the
        hand-off (:meth:`claim_for_wms`, which claims only ``placed`` orders) can no longer take it."""
        return {
            "Update": {
                "TableName": self.model.Meta.table_name,
                "Key": {"order_id": {"S": order_id}},
                "UpdateExpression": "SET #status = :cancelled",
                "ConditionExpression": "attribute_exists(order_id) AND attribute_not_exists(wms_status)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":cancelled": {"S": CANCELLED}},
            }
        }

    def save(self, order: OrderPlaced, status: str) -> OrderRecord:
        """Store the order with its status (overwrites: the same order gives the same item)."""
        record = order_record(self.model, order, status, self.retention_days)
        with _transient_causes():
            record.save()
        return record

    def set_status(self, order_id: str, status: str) -> bool:
        """Mark an order (cancelled, refunded); False when the order is not stored (yet)."""
        model = self.model
        try:
            with _transient_causes():
                model(order_id).update(actions=[model.status.set(status)], condition=model.order_id.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, order_id: str) -> OrderRecord | None:
        with _transient_causes():
            try:
                return self.model.get(order_id, consistent_read=True)
            except self.model.DoesNotExist:
                return None

    def batch_get(self, order_ids: Iterable[str]) -> list[OrderRecord]:
        """The stored orders among ``order_ids`` (absent ones are left out; order not kept)."""
        with _transient_causes():
            return list(self.model.batch_get(list(dict.fromkeys(order_ids))))

    # ---- replenishment ---------------------------------------------------------------------------
    def all_orders(self) -> list[OrderRecord]:
        with _transient_causes():
            return list(self.model.scan())

    def status_counts(self, id_prefix: str = "") -> Counter[str]:
        """Orders per ``status`` (of those whose id starts with ``id_prefix``): how a run's orders were
        decided, read with two attributes only."""
        model = self.model
        condition = model.order_id.startswith(id_prefix) if id_prefix else None
        with _transient_causes():
            return Counter(o.status for o in model.scan(condition, attributes_to_get=["order_id", "status"]))

    def placed_between(self, start: date, end: date) -> list[OrderRecord]:
        """Sold orders of UTC days [start, end) (placed, or refunded: goods refunded without a return
        stay sold), with only ``SALES_ATTRIBUTES``; ``livebase.replenishment.history`` nets the returns.

        The stored timestamp text is fixed-width UTC, so the range is filtered by DynamoDB.
        """
        model = self.model
        sold = model.status.is_in(PLACED, REFUNDED)
        condition = sold & (model.placed_at >= _midnight(start)) & (model.placed_at < _midnight(end))
        with _transient_causes():
            return list(model.scan(condition, attributes_to_get=list(self.SALES_ATTRIBUTES)))

    # ---- regional processing ---------------------------------------------------------------------
    def lifecycle_rows(self, segment: int = 0, total_segments: int = 1) -> list[dict[str, Any]]:
        """One segment of a parallel scan, projected on ``LIFECYCLE_ATTRIBUTES``, as plain dicts for
        ``livebase.lifecycle`` (a flow reads the segments in parallel tasks)."""
        with _transient_causes():
            found = self.model.scan(
                segment=segment, total_segments=total_segments, attributes_to_get=list(self.LIFECYCLE_ATTRIBUTES)
            )
            return [
                {"viewer_id": o.viewer_id, "placed_at": o.placed_at, "total": o.total, "status": o.status,
                 "channel": o.channel, "campaign": o.campaign}
                for o in found
            ]  # fmt: skip

    # ---- erasure ---------------------------------------------------------------------------------
    def erase_viewer(self, viewer_id: str) -> list[str]:
        """Unlink the viewer from every order (``viewer_id`` becomes :data:`ERASED_VIEWER`); the
        order ids changed. The sale stays in the books, nothing links it to the person. One scan:
        erasures are rare, a per-viewer index would cost on every order written."""
        model = self.model
        with _transient_causes():
            found = [o.order_id for o in model.scan(model.viewer_id == viewer_id, attributes_to_get=["order_id"])]
            for order_id in found:
                model(order_id).update(actions=[model.viewer_id.set(ERASED_VIEWER)], condition=model.order_id.exists())
        return found

    # ---- the WMS hand-off ------------------------------------------------------------------------
    def due_for_wms(self, now: datetime, stale_after: timedelta) -> list[OrderRecord]:
        """Placed orders never claimed, or claimed (``sending``) longer than ``stale_after`` ago."""
        model = self.model
        condition = (model.status == PLACED) & (model.wms_status.does_not_exist() | (model.wms_status == WMS_SENDING))
        with _transient_causes():
            found = list(model.scan(condition, attributes_to_get=list(self.HANDOFF_ATTRIBUTES)))
        return [o for o in found if o.wms_status is None or _stale(o.wms_claimed_at, now - stale_after)]

    def claim_for_wms(self, order: OrderRecord, now: datetime) -> bool:
        """Conditional claim: only one run hands an order off; a stale claim is taken over as read."""
        model = self.model
        if order.wms_status is None:  # only a placed order: a cancel (cancel_guard) marks it cancelled first
            condition = model.wms_status.does_not_exist() & (model.status == PLACED)
        else:
            condition = (model.wms_status == WMS_SENDING) & (model.wms_claimed_at == order.wms_claimed_at)
        try:
            with _transient_causes():
                model(order.order_id).update(
                    actions=[model.wms_status.set(WMS_SENDING), model.wms_claimed_at.set(now)], condition=condition
                )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, order_ids: Sequence[str], now: datetime) -> None:
        """``sending`` → ``sent``; an order the WMS already confirmed (picked, shipped) keeps that."""
        model = self.model
        for order_id in order_ids:
            try:
                with _transient_causes():
                    model(order_id).update(
                        actions=[model.wms_status.set(WMS_SENT), model.wms_sent_at.set(now)],
                        condition=model.wms_status == WMS_SENDING,
                    )
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise

    def handed_off(self) -> list[OrderRecord]:
        """Orders the WMS has (sent, picked or shipped): what a fulfilment report counts."""
        model = self.model
        with _transient_causes():
            return list(model.scan(model.wms_status.is_in(WMS_SENT, WMS_PICKED, WMS_SHIPPED)))


def _stale(claimed_at: datetime | None, before: datetime) -> bool:
    return claimed_at is not None and claimed_at < before
