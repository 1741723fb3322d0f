"""Erasure in a market's dead-letter queues: the messages that name a viewer are found and deleted.

A DLQ keeps what a consumer refused or failed (the record as received: base64 Kinesis data, a JSON
body, its attributes) for up to 14 days, so an erasure cannot wait for it to expire. SQS has no
search: every visible message is received (hidden for :data:`HIDE_SECONDS` while it is looked at),
the ones naming the viewer (``livebase.privacy.erasure.mentions``: raw, JSON-escaped, base64,
gzip) are deleted and the others are made visible again at once. Messages in flight at that moment
(being replayed, say) cannot be seen: they are counted as unscanned, so the receipt can say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from livebase.markets.resources import MarketResources
from livebase.privacy.erasure import mentions

HIDE_SECONDS = 60  # long enough to look at a page of messages, short if the erasure dies meanwhile
PAGE = 10  # receive_message's limit
MAX_PAGES = 1000  # per queue and pass: 10,000 messages (a DLQ that large is an incident of its own)
NO_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
DLQ_FIELDS = (
    "ingest_dlq_url", "orders_dlq_url", "goods_receipts_dlq_url", "shipment_updates_dlq_url",
    "order_returns_dlq_url", "passport_intake_dlq_url", "settlement_dlq_url",
)  # fmt: skip


@dataclass
class QueuePass:
    """One pass over the DLQs: the messages naming the viewer (deleted if asked), and what was unseen."""

    naming: list[str] = field(default_factory=list)  # "<queue name>/<message id>"
    unscanned: int = 0  # messages in flight, not visible to the pass


def dlq_urls(resources: MarketResources) -> list[str]:
    return [url for name in DLQ_FIELDS if (url := str(getattr(resources, name, "") or ""))]


class DeadLetterErasure:
    """The market's DLQs (``sqs``: a client in the market's region)."""

    def __init__(self, sqs: Any, queue_urls: list[str]) -> None:
        self.sqs, self.queue_urls = sqs, queue_urls

    def sweep(self, viewer_key: str, *, delete: bool) -> QueuePass:
        """Every message of every DLQ looked at once; those naming the viewer deleted when ``delete``."""
        result = QueuePass()
        for url in self.queue_urls:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            try:
                result.unscanned += self._in_flight(url)  # before this pass hides anything itself
            except ClientError as error:
                if _code(error) not in NO_QUEUE:
                    raise
                continue  # no such queue in this deployment (an option left out): nothing kept there
            kept: list[dict[str, str]] = []
            try:
                for message in self._receive_all(url):
                    if any(mentions(value, viewer_key) for value in _message_values(message)):
                        result.naming.append(f"{name}/{message['MessageId']}")
                        if delete:
                            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                            continue
                    kept.append({"Id": str(len(kept)), "ReceiptHandle": message["ReceiptHandle"]})
            finally:
                self._show_again(url, kept)
        return result

    def _receive_all(self, url: str) -> Iterator[dict[str, Any]]:
        for _ in range(MAX_PAGES):
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=PAGE, VisibilityTimeout=HIDE_SECONDS, WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            ).get("Messages", [])  # fmt: skip
            if not messages:
                return
            yield from messages

    def _show_again(self, url: str, kept: list[dict[str, str]]) -> None:
        for start in range(0, len(kept), PAGE):
            entries = [{**entry, "VisibilityTimeout": 0} for entry in kept[start : start + PAGE]]
            self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)

    def _in_flight(self, url: str) -> int:
        """Messages hidden by a consumer or a replay right now (a pass cannot see them)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        ).get("Attributes", {})
        return int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))


def _message_values(message: dict[str, Any]) -> list[bytes]:
    """The body and every attribute's value, each looked through on its own."""
    values = [str(message.get("Body", "")).encode("utf-8")]
    for attribute in (message.get("MessageAttributes") or {}).values():
        values.append(str(attribute.get("StringValue", "")).encode("utf-8"))
        binary = attribute.get("BinaryValue")
        if isinstance(binary, bytes):
            values.append(binary)
    return values


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
