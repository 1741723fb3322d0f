"""Day pass: viewers give consent from the player, and some withdraw it later (issue 31).

A share of the day's viewers answer the player's consent prompt a little after they first join
(marketing, and for some also personalisation); a share of those withdraw marketing later the same
day, so the regional run and the recall delivery have both to honour. From its own seeded stream
(``seeded_random(seed, market.id, "consent")``): same seed, same answers; no other pass's draws move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from livebase.markets.config import Market
    from livebase_local.simulator.model import SimOptions
    from livebase_local.simulator.passes import DayRows

GIVE_SHARE = 0.35  # of the day's viewers: grant marketing at the prompt
PERSONALISE_SHARE = 0.5  # of those: grant personalisation too
WITHDRAW_SHARE = 0.15  # of those who granted marketing: withdraw it later in the day
PROMPT_DELAY_S = (5.0, 90.0)  # after their first join
WITHDRAW_AFTER_S = (600.0, 5400.0)  # after granting


def player_consent(market: Market, seed: int, options: SimOptions, rows: DayRows) -> None:
    """Append the day's ``consent_changed`` events (in place)."""
    from livebase_local.simulator.model import seeded_random

    rng = seeded_random(seed, market.id, "consent")
    first_join: dict[str, tuple[float, dict[str, Any]]] = {}
    for ts, _, _, payload in rows:
        if payload.get("type") == "viewer_joined" and payload["viewer_id"] not in first_join:
            first_join[payload["viewer_id"]] = (ts, payload)
    added = 0

    def answer(viewer: str, join: dict[str, Any], at: float, purpose: str, granted: bool) -> None:
        nonlocal added
        added += 1
        payload = {
            **{k: join[k] for k in ("schema_version", "market", "room_id", "session_id")},
            "event_id": f"ev-{join['room_id']}-{seed}-consent-{added:06d}", "type": "consent_changed",
            "ts": at, "viewer_id": viewer, "purpose": purpose, "granted": granted,
        }  # fmt: skip
        rows.append((at, len(rows), viewer, payload))

    for viewer, (ts, join) in sorted(first_join.items(), key=lambda item: item[1][0]):
        if rng.random() >= GIVE_SHARE:
            continue
        at = ts + rng.uniform(*PROMPT_DELAY_S)
        answer(viewer, join, at, "marketing", True)
        if rng.random() < PERSONALISE_SHARE:
            answer(viewer, join, at + 1.0, "personalisation", True)
        if rng.random() < WITHDRAW_SHARE:
            answer(viewer, join, at + rng.uniform(*WITHDRAW_AFTER_S), "marketing", False)
