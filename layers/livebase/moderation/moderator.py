"""The one moderation decision per comment, and which events count as authentic.

Order of the checks: sanctions ops applied (a muted or banned viewer's comments are hidden), then
the text rules (scam, contact data, insult, spam: hidden; banned-category talk: held for a
person, since mentioning a thing is not always promoting it), then flooding. Every comment is fed
to the flood windows whatever the verdict, so a scam bot's repeats flag its account too.

Likes and joins are observed for bursts; an account flagged in a room (flooding, bursts, scam or
spam) no longer counts in that room's ``authentic_*`` figures.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from livebase.live.events import AnyLiveEvent, Comment
from livebase.markets.config import Market
from livebase.moderation.decisions import SHOW, Decision, Reason, Verdict
from livebase.moderation.flooding import FloodTracker
from livebase.moderation.rules import TextRules, fold

# (viewer id, session id) -> the sanction in force (Reason.MUTED / Reason.BANNED) or None
SanctionLookup = Callable[[str, str], Reason | None]
REMEMBERED_DECISIONS = 50_000  # a redelivered comment gets its first decision back, not a second look
_ACCOUNT_FLAGS = {Reason.SCAM: "spam:scam_account", Reason.SPAM: "spam:promotion_account"}


def no_sanctions(viewer_id: str, session_id: str) -> Reason | None:
    return None


class Moderator:
    """One market's moderation state in this container: its text rules, flood windows and sanctions."""

    def __init__(self, market: Market, sanctions: SanctionLookup = no_sanctions) -> None:
        self.rules = TextRules.for_categories(market.cultural_rules.banned_listing_categories)
        self.floods = FloodTracker()
        self.sanctions = sanctions
        self._decided: OrderedDict[str, Decision] = OrderedDict()

    def decide(self, comment: Comment) -> Decision:
        """Show, hide or hold one comment, with the reason and the rule that matched (once per event id)."""
        known = self._decided.get(comment.event_id)
        if known is not None:
            return known
        decision = self._decide(comment)
        self._decided[comment.event_id] = decision
        if len(self._decided) > REMEMBERED_DECISIONS:
            self._decided.popitem(last=False)
        return decision

    def _decide(self, comment: Comment) -> Decision:
        folded = fold(comment.text)
        flooding = self.floods.comment(comment.room_id, comment.viewer_id, comment.ts, folded)
        sanction = self.sanctions(comment.viewer_id, comment.session_id)
        if sanction is not None:
            return Decision(Verdict.HIDE, sanction, f"sanction:{sanction.value}")
        matched = self.rules.match(comment.text, folded)
        if matched is not None:
            flag = _ACCOUNT_FLAGS.get(matched.reason)
            if flag:
                self.floods.flag(comment.room_id, comment.viewer_id, flag)
            verdict = Verdict.HOLD if matched.reason is Reason.BANNED_CATEGORY else Verdict.HIDE
            return Decision(verdict, matched.reason, matched.rule)
        if flooding:
            return Decision(Verdict.HIDE, Reason.FLOODING, flooding)
        return SHOW

    def observe(self, event: AnyLiveEvent) -> bool:
        """Feed a like or join to the windows; True while the event counts as authentic."""
        if event.type == "like":
            return not self.floods.like(event.room_id, event.viewer_id, event.ts)
        if event.type == "viewer_joined":
            return not self.floods.join(event.room_id, event.viewer_id, event.ts)
        return not self.floods.flagged(event.room_id, event.viewer_id) if event.type != "edge_node_stats" else True

    def flagged(self, room_id: str, viewer_id: str) -> str:
        return self.floods.flagged(room_id, viewer_id)
