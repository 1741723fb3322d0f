"""One decision per live-event record: admitted for this market, or refused with a bounded reason.

Every consumer of a market's stream (ingest, orders, any later one) calls :func:`admit` with the
record's bytes and its Kinesis arrival time. The decision depends on nothing else, so all of
them reach the same one: a record ingest quarantines is never applied by orders.

The checks run cheapest first and nothing can crash on hostile input: size, nesting depth and
member count are bounded before any JSON parser sees the bytes; the schema refuses non-finite
numbers and contact data in identifiers (:mod:`livebase.live.events`); timestamps must lie in a
window around the record's arrival; market, currency and interval must fit the market.

Reasons name field paths and error kinds, never input values, and are bounded in length, so
they are safe to log and always fit a dead-letter message (:mod:`livebase.batches.reasons`).
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from livebase.batches.reasons import Admitted, Refused, describe_error
from livebase.live.events import parse_event
from livebase.markets.config import Market

MAX_RECORD_BYTES = 32 * 1024  # an order of 50 lines is ~4 KB; a 2,000-character comment ~12 KB escaped
MAX_DEPTH = 6  # object → lines → line is 3 deep
MAX_MEMBERS = 512  # keys and array items over the whole record (50 lines x 3 fields + the rest)
# Older events cannot be counted: their room-minute items would be written already expired.
MAX_EVENT_AGE = timedelta(days=35)
MAX_EVENT_LEAD = timedelta(minutes=15)  # producers' clocks run a little ahead at most
MAX_SHOWN = timedelta(hours=6)

_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]')
_MARKET_CHECKED = frozenset({"order_placed", "refund", "product_shown"})  # currency, interval

Admission = Admitted[Any] | Refused  # Admitted.event: an AnyLiveEvent


def admit(data: bytes, market: Market, arrival: datetime) -> Admission:
    """The decision for one record of ``market``'s stream that arrived at ``arrival`` (UTC).

    The common case is inlined (well over a hundred thousand records a second per core): the checks
    that fail call the functions below, which say why.
    """
    if (
        len(data) > MAX_RECORD_BYTES
        or data.count(b"{") + data.count(b"[") > MAX_DEPTH
        or data.count(b",") >= MAX_MEMBERS
    ):
        fault = shape_fault(data)
        if fault is not None:
            return Refused(fault)
    try:
        event = parse_event(data)
    except (ValidationError, ValueError) as error:
        return Refused(describe_error(error))
    if event.market != market.id or event.type in _MARKET_CHECKED:
        fault = market_fault(event, market)
        if fault is not None:
            return Refused(fault)
    if not -MAX_EVENT_LEAD <= arrival - event.ts <= MAX_EVENT_AGE or event.type == "product_shown":
        fault = time_fault(event, arrival)
        if fault is not None:
            return Refused(fault)
    return Admitted(event)


def admit_record(record: Any, market: Market) -> Admission:
    """:func:`admit` for a Lambda Kinesis record (powertools' ``KinesisStreamRecord``)."""
    arrival = datetime.fromtimestamp(float(record.kinesis.approximate_arrival_timestamp), UTC)
    return admit(base64.b64decode(record.kinesis.data), market, arrival)


def shape_fault(data: bytes) -> str | None:
    """Size, depth and member limits, checked without a parser (which could recurse or balloon)."""
    if len(data) > MAX_RECORD_BYTES:
        return f"record is {len(data)} bytes, over the {MAX_RECORD_BYTES}-byte limit"
    openers = data.count(b"{") + data.count(b"[")
    if openers <= MAX_DEPTH and data.count(b",") < MAX_MEMBERS:
        return None  # cannot exceed either limit: the common case costs two counts
    depth = deepest = members = 0
    for token in _STRING_OR_BRACKET.findall(data):
        if token in (b"{", b"["):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"}", b"]"):
            depth -= 1
        elif token == b",":
            members += 1
    if deepest > MAX_DEPTH:
        return f"record nests deeper than {MAX_DEPTH} levels"
    if members >= MAX_MEMBERS:
        return f"record has more than {MAX_MEMBERS} members"
    return None


def market_fault(event: Any, market: Market) -> str | None:
    """What makes a well-formed event wrong for this market's stream."""
    if event.market != market.id:
        return "event of another market on this market's stream"
    if event.type in ("order_placed", "refund") and event.currency != market.currency:
        return f"currency is not the market currency {market.currency}"
    if event.type == "product_shown" and not (timedelta(0) <= event.shown_until - event.shown_from <= MAX_SHOWN):
        return "product_shown interval is negative or longer than 6 hours"
    return None


def time_fault(event: Any, arrival: datetime) -> str | None:
    """Timestamps must lie in ``[arrival - MAX_EVENT_AGE, arrival + MAX_EVENT_LEAD]``."""
    earliest, latest = arrival - MAX_EVENT_AGE, arrival + MAX_EVENT_LEAD
    stamps = [("ts", event.ts)]
    if event.type == "product_shown":
        stamps += [("shown_from", event.shown_from), ("shown_until", event.shown_until)]
    for name, value in stamps:
        if not earliest <= value <= latest:
            return (
                f"{name}: outside the accepted window ({MAX_EVENT_AGE.days} days before to "
                f"{int(MAX_EVENT_LEAD.total_seconds() // 60)} minutes after arrival)"
            )
    return None
