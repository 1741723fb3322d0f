"""The European Central Bank's euro foreign exchange reference rates, parsed (pure: bytes in, days out).

Source: https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
(the ECB publishes one rate per currency against the euro on each TARGET business day, at about 16:00
CET; the files are ``eurofxref-daily.xml`` (the latest day) and ``eurofxref-hist-90d.xml`` (the last
90 days)). No publication on weekends and TARGET holidays: those days carry the previous
publication (:class:`~livebase.aggregates.rates.RateTable` takes the latest dated on or before a day).

The ECB publishes no dirham rate; the UAE dirham is pegged to the US dollar at 3.6725 AED per USD
(Central Bank of the UAE, since 1997), so AED is derived from the day's USD rate through the peg and
the row says so (:data:`PEGS`).

A reply is refused whole (:class:`FxSourceError`, the reason names the element, never its text) when it
is too large, declares a DTD or entities, is not the ECB's envelope, or holds a day or a rate that is
not a date or a positive decimal.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
ECB_90_DAYS_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
ECB_PUBLISHER = "European Central Bank"
ECB_NAMESPACE = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
GESMES_NAMESPACE = "http://www.gesmes.org/xml/2002-08-01"
MAX_REPLY_BYTES = 2_000_000  # the 90-day file is ~40 kB; a reply a hundred times larger is not the ECB's
RATE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class Peg:
    """``currency`` fixed at ``per_anchor`` units per unit of ``anchor``, as ``authority`` sets it."""

    currency: str
    anchor: str
    per_anchor: Decimal
    authority: str


PEGS: Mapping[str, Peg] = {
    "AED": Peg("AED", "USD", Decimal("3.6725"), "Central Bank of the UAE: AED pegged at 3.6725 per USD since 1997"),
}


class FxSourceError(ValueError):
    """The reply is not a usable ECB reference-rate file; the message says where, never the value."""


@dataclass(frozen=True)
class Publication:
    """One publication day: units of each currency per euro, as the ECB printed them."""

    day: date
    per_euro: Mapping[str, Decimal]


class FxDay(BaseModel):
    """One day's rates into ``base`` (one unit of the currency in ``base``), with where they came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    published: date
    base: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    rates: dict[str, Decimal]
    publisher: Annotated[str, Field(max_length=200)]
    source_url: Annotated[str, Field(max_length=500)]
    fetched_at: datetime
    digest: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]  # of the whole reply the day came from
    derived: dict[str, str] = {}  # currency -> how its rate was derived (a peg), when the source has none


def reply_digest(reply: bytes) -> str:
    return "sha256:" + hashlib.sha256(reply).hexdigest()


def _decimal(text: str | None, where: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise FxSourceError(f"{where}: rate is not a decimal") from None
    if not value.is_finite() or value <= 0:
        raise FxSourceError(f"{where}: rate must be a positive number")
    return value


def _day(text: str | None, where: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise FxSourceError(f"{where}: time is not a date (YYYY-MM-DD)") from None


def parse_ecb(reply: bytes) -> tuple[str, list[Publication]]:
    """The reply's publisher and its publications, oldest first (see the module docstring for refusals)."""
    if len(reply) > MAX_REPLY_BYTES:
        raise FxSourceError(f"reply: {len(reply)} bytes, over the {MAX_REPLY_BYTES} an ECB file may have")
    if b"<!DOCTYPE" in reply or b"<!ENTITY" in reply:
        raise FxSourceError("reply: declares a DTD or entities; the ECB's files have none")
    try:
        root = ElementTree.fromstring(reply)
    except ElementTree.ParseError as error:
        raise FxSourceError(f"reply: not well-formed XML (line {error.position[0]})") from None
    if root.tag != f"{{{GESMES_NAMESPACE}}}Envelope":
        raise FxSourceError("reply: the root is not the ECB's gesmes:Envelope")
    sender = root.find(f"{{{GESMES_NAMESPACE}}}Sender/{{{GESMES_NAMESPACE}}}name")
    publisher = (sender.text or "").strip()[:200] if sender is not None else ECB_PUBLISHER
    outer = root.find(f"{{{ECB_NAMESPACE}}}Cube")
    if outer is None:
        raise FxSourceError("reply: no Cube element")
    publications: dict[date, Publication] = {}
    for n, dated in enumerate(outer.findall(f"{{{ECB_NAMESPACE}}}Cube")):
        where = f"Cube[{n}]"
        day = _day(dated.get("time"), where)
        if day in publications:
            raise FxSourceError(f"{where}: a second publication for the same day")
        rates: dict[str, Decimal] = {}
        for m, cube in enumerate(dated.findall(f"{{{ECB_NAMESPACE}}}Cube")):
            currency = cube.get("currency") or ""
            if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
                raise FxSourceError(f"{where}.Cube[{m}]: currency is not a three-letter code")
            rates[currency] = _decimal(cube.get("rate"), f"{where}.Cube[{m}]")
        if not rates:
            raise FxSourceError(f"{where}: a publication without rates")
        publications[day] = Publication(day, rates)
    if not publications:
        raise FxSourceError("reply: no dated publication")
    return publisher, [publications[d] for d in sorted(publications)]


def _in_base(publication: Publication, currency: str, base: str) -> Decimal | None:
    """One unit of ``currency`` in ``base`` on the publication's day (None: the ECB has no rate for it)."""
    per_euro = {"EUR": Decimal(1), **publication.per_euro}
    if currency in per_euro and base in per_euro:
        return (per_euro[base] / per_euro[currency]).quantize(RATE_PLACES)
    peg = PEGS.get(currency)
    if peg is not None and peg.anchor in per_euro and base in per_euro:
        return (per_euro[base] / (per_euro[peg.anchor] * peg.per_anchor)).quantize(RATE_PLACES)
    return None


def fx_days(reply: bytes, base: str, currencies: Iterable[str], source_url: str, fetched_at: datetime) -> list[FxDay]:
    """Each publication of ``reply`` as rates of ``currencies`` into ``base``, with provenance.

    A currency the day cannot price (neither the ECB nor a peg) is refused: the store would
    otherwise hold a day that silently lacks a market's currency.
    """
    publisher, publications = parse_ecb(reply)
    digest = reply_digest(reply)
    wanted = sorted(set(currencies) - {base})
    days = []
    for publication in publications:
        rates: dict[str, Decimal] = {}
        derived: dict[str, str] = {}
        for currency in wanted:
            rate = _in_base(publication, currency, base)
            if rate is None:
                raise FxSourceError(f"{publication.day}: no {currency} rate (neither published nor pegged)")
            rates[currency] = rate
            if currency not in publication.per_euro and currency != "EUR":
                derived[currency] = PEGS[currency].authority
        day = FxDay(
            published=publication.day, base=base, rates=rates, publisher=publisher, source_url=source_url,
            fetched_at=fetched_at, digest=digest, derived=derived,
        )  # fmt: skip
        days.append(day)
    return days
