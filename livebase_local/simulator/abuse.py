"""Injected abuse for a simulated day, with its labels kept beside the records (never in them).

Opt-in (``with injected_abuse(): generate_day(...)``), so the plain simulated day, and every test
and figure built on it, stays as it was. Per room it adds, from its own seeded stream:

- **like/join bots**: accounts that join, leave and join again, and like in bursts no thumb keeps up;
- **comment floods**: accounts posting the same few words every few seconds;
- **scam spam**: "DM me for cheaper" and its kin in the market's languages, a few per account;
- **insults** and, where the market bans categories, **banned-category talk** (one comment each);
- **fake-order rings**: a dozen fresh accounts that join together and each place several orders
  of the SKU on screen, three to five units at a time, within two minutes, then cancel most.

:func:`labels_of` answers which event ids, viewer ids and order ids were injected and as what,
so ``benchmarks/trust_safety.py`` measures detection against them.
"""

from __future__ import annotations

import contextvars
import hashlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livebase_local.simulator.pseudonyms import simulated_pseudonyms

if TYPE_CHECKING:
    from livebase.markets.config import Market
    from livebase_local.simulator.model import SimOptions
    from livebase_local.simulator.passes import DayRows

SCAMS = {
    "en": ["DM me for cheaper", "cheaper at my shop, check my bio", "pm me, same bag half price",
           "whatsapp me for price", "d m  m3 for cheaper", "pay outside the app and get 30% off",
           "you won a prize, claim your prize in bio"],
    "ms": ["pm saya, lagi murah", "cek bio, lagi murah dari sini"],
    "id": ["dm aja kak, lebih murah di toko aku", "japri ya"],
    "th": ["ทักแชทมา ถูกกว่าที่ร้าน", "แอดไลน์มา ถูกกว่า"], "vi": ["ib mình giá rẻ hơn", "kết bạn zalo rẻ hơn ở shop mình"],
    "ar": ["راسلني خاص ارخص عندي", "تواصل معي واتساب"], "de": ["schreib mir privat, billiger bei mir"],
    "fr": ["viens en mp, moins cher chez moi"], "es": ["escríbeme al privado, más barato conmigo"],
}  # fmt: skip
INSULTS = {
    "en": ["you idiot", "shut up host", "what a moron", "stupid host"], "ms": ["bodoh betul host ni"],
    "id": ["host goblok"], "th": ["ควายจริงๆ"], "vi": ["đồ ngu"], "ar": ["يا حمار", "غبي"],
    "de": ["halt die klappe", "vollidiot"], "fr": ["ta gueule", "quel abruti"], "es": ["cállate idiota"],
}  # fmt: skip
FLOOD_TEXTS = ["🔥🔥🔥", "wow wow", "buy buy buy", "first!!", "👍👍👍👍"]
BANNED_TALK = {
    "alcohol": ["any beer with this?", "عندك بيرة؟", "ابي خمر مع الطلب"],
    "pork": ["does it come with bacon?"],
}


@dataclass
class AbuseLabels:
    """What was injected: event id / viewer id / order id -> kind."""

    comments: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)


_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("livebase_abuse", default=False)
_labels: dict[tuple[str, int, str], AbuseLabels] = {}


@contextmanager
def injected_abuse() -> Iterator[None]:
    """Days simulated inside this block carry injected abuse."""
    token = _enabled.set(True)
    try:
        yield
    finally:
        _enabled.reset(token)


def labels_of(market: Market, seed: int, options: SimOptions) -> AbuseLabels:
    """The labels of the day ``(market, seed, options)`` simulated with abuse (simulated first if need be)."""
    key = (market.id, seed, repr(options))
    if key not in _labels:
        from livebase_local.simulator.model import build_day

        with injected_abuse():
            build_day(market, seed, options)
    return _labels[key]


def _seeded(seed: int, market_id: str) -> random.Random:
    """The pass's own stream (``model.seeded_random(seed, market, "abuse")``; model imports the passes)."""
    digest = hashlib.sha256(f"{seed}:{market_id}:abuse".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class _Emitter:
    def __init__(self, market: Market, seed: int, rows: DayRows, labels: AbuseLabels) -> None:
        self.market, self.seed, self.rows, self.labels = market, seed, rows, labels
        self.pseudonymise = simulated_pseudonyms(f"abuse-{seed}", market.id)
        self.count = 0

    def account(self, name: str, kind: str) -> str:
        viewer = self.pseudonymise(name)
        self.labels.accounts[viewer] = kind
        return viewer

    def emit(self, room: tuple[str, str], ts: float, kind: str, viewer: str, **fields: Any) -> str:
        self.count += 1
        event_id = f"ev-abuse-{room[0]}-{self.seed}-{self.count:07d}"
        payload = {"event_id": event_id, "schema_version": 1, "type": kind, "market": self.market.id,
                   "room_id": room[0], "session_id": room[1], "ts": ts, "viewer_id": viewer, **fields}  # fmt: skip
        self.rows.append((ts, 10**9 + self.count, viewer, payload))
        return event_id

    def comment(self, room: tuple[str, str], ts: float, viewer: str, text: str, language: str, label: str) -> None:
        self.labels.comments[self.emit(room, ts, "comment", viewer, text=text, language=language)] = label


def inject_abuse(market: Market, seed: int, options: SimOptions, rows: DayRows) -> None:
    """The day pass: abuse into ``rows`` when enabled, labels kept in this module (see :func:`labels_of`)."""
    if not _enabled.get():
        return
    labels = _labels[(market.id, seed, repr(options))] = AbuseLabels()
    rng, out = _seeded(seed, market.id), _Emitter(market, seed, rows, labels)
    rooms: dict[tuple[str, str], list[tuple[float, dict[str, Any]]]] = {}
    for ts, _, _, payload in rows:
        if payload["type"] == "order_placed":
            rooms.setdefault((payload["room_id"], payload["session_id"]), []).append((ts, payload))
    languages = [lang for lang in market.languages if lang in SCAMS] or ["en"]
    scale = max(0.2, options.scale)
    for index, (room, orders) in enumerate(sorted(rooms.items())):
        orders.sort(key=lambda row: row[0])
        start, end = orders[0][0], orders[-1][0]
        tag = f"{room[0]}-{index}"
        for b in range(max(3, round(15 * scale))):  # like/join bots
            bot, t = out.account(f"bot-{tag}-{b}", "bot"), rng.uniform(start, end - 600)
            for _ in range(rng.randint(2, 4)):
                out.emit(room, t, "viewer_joined", bot)
                stop = t + rng.uniform(120, 300)
                while t < stop:
                    out.emit(room, t, "like", bot, count=rng.randint(20, 200))
                    t += rng.uniform(1.0, 4.0)
                out.emit(room, t, "viewer_left", bot)
                t += rng.uniform(30, 90)
        for f in range(max(2, round(5 * scale))):  # comment floods
            flooder, t = out.account(f"flood-{tag}-{f}", "flood"), rng.uniform(start, end - 300)
            out.emit(room, t - 5, "viewer_joined", flooder)
            text = rng.choice(FLOOD_TEXTS)
            for _ in range(rng.randint(12, 30)):
                out.comment(room, t, flooder, text, "en", "flood")
                t += rng.uniform(2.0, 5.0)
        for s in range(max(3, round(8 * scale))):  # scam spam
            spammer, t = out.account(f"scam-{tag}-{s}", "scam"), rng.uniform(start, end)
            out.emit(room, t - 3, "viewer_joined", spammer)
            for _ in range(rng.randint(1, 3)):
                language = rng.choice(languages)
                out.comment(room, t, spammer, rng.choice(SCAMS[language]), language, "scam")
                t += rng.uniform(20, 240)
        for i in range(max(3, round(10 * scale))):  # insults, from otherwise ordinary accounts
            language = rng.choice(languages)
            out.comment(room, rng.uniform(start, end), out.pseudonymise(f"rude-{tag}-{i}"),
                        rng.choice(INSULTS[language]), language, "insult")  # fmt: skip
        for category in market.cultural_rules.banned_listing_categories:
            for i, text in enumerate(BANNED_TALK.get(category, [])):
                viewer = out.pseudonymise(f"banned-{tag}-{category}-{i}")
                out.comment(room, rng.uniform(start, end), viewer, text, "ar" if not text.isascii() else "en",
                            "banned_category")  # fmt: skip
        for r in range(2):  # fake-order rings
            anchor_ts, anchor = orders[rng.randrange(len(orders))]
            line = anchor["lines"][0]
            for a in range(rng.randint(9, 14)):
                member = out.account(f"ring-{tag}-{r}-{a}", "ring")
                t = anchor_ts + rng.uniform(0, 90)
                out.emit(room, t - rng.uniform(5, 20), "viewer_joined", member)
                placed = []
                for o in range(rng.randint(3, 5)):
                    order_id = f"o-ring-{tag}-{r}-{a}-{o}"
                    lines = [{"sku": line["sku"], "quantity": rng.randint(3, 5), "unit_price": line["unit_price"]}]
                    out.emit(room, t, "order_placed", member, order_id=order_id, currency=market.currency, lines=lines)
                    labels.orders[order_id] = "ring"
                    placed.append((t, order_id))
                    t += rng.uniform(5, 30)
                for t_order, order_id in placed:
                    if rng.random() < 0.7:
                        out.emit(room, t_order + rng.uniform(120, 600), "order_cancelled", member, order_id=order_id,
                                 reason="changed_mind")  # fmt: skip
