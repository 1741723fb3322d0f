"""What moderation decides about a comment and why, in words ops and the viewer can read.

The statement of reasons follows the EU Digital Services Act, Art. 17(3): the restriction applied,
the facts and circumstances relied on, whether automated means decided, the ground in the terms of
service, and the redress open to the viewer. It names the rule that matched, never the comment's
text nor the viewer, so it can be logged and shown to ops anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    SHOW = "show"
    HIDE = "hide"  # never shown, never counted in room metrics
    HOLD = "hold"  # not shown until ops decide (the review queue), not counted meanwhile


class Reason(StrEnum):
    NONE = "none"
    INSULT = "insult"
    SCAM = "scam"  # off-platform dealing: "DM me for cheaper", payment outside the shop
    SPAM = "spam"  # links, promotions, shouting
    FLOODING = "flooding"  # too many comments or the same text again and again
    CONTACT_DATA = "contact_data"  # a phone number, handle or address spelled out to dodge the schema
    BANNED_CATEGORY = "banned_category"  # talk of what the market's rules ban (mena: alcohol, pork)
    MUTED = "muted"  # ops muted the viewer for this session
    BANNED = "banned"  # ops banned the viewer from the market
    OPS_HIDDEN = "ops_hidden"  # ops hid the comment by hand
    OPS_APPROVED = "ops_approved"  # ops reviewed a held comment and showed it


_FACTS: dict[Reason, str] = {
    Reason.INSULT: "the comment contains abusive language aimed at the host or other viewers",
    Reason.SCAM: "the comment invites viewers to deal outside the shop (a known scam pattern)",
    Reason.SPAM: "the comment advertises or links elsewhere, or shouts",
    Reason.FLOODING: "the account posted more comments, or the same comment more often, than the room allows",
    Reason.CONTACT_DATA: "the comment spells out contact details",
    Reason.BANNED_CATEGORY: "the comment mentions a category this market's rules do not allow in live rooms",
    Reason.MUTED: "the account was muted for this session by the operations team",
    Reason.BANNED: "the account was banned from this market by the operations team",
    Reason.OPS_HIDDEN: "the operations team reviewed the comment and hid it",
    Reason.OPS_APPROVED: "the operations team reviewed the held comment and allowed it",
}
_GROUND = {
    Reason.INSULT: "community rules: respectful conduct",
    Reason.SCAM: "community rules: no off-platform sales; consumer protection",
    Reason.SPAM: "community rules: no advertising or links",
    Reason.FLOODING: "community rules: no flooding",
    Reason.CONTACT_DATA: "privacy rules: no personal data in comments",
    Reason.BANNED_CATEGORY: "market rules: banned listing categories",
    Reason.MUTED: "community rules: a session mute",
    Reason.BANNED: "community rules: a market ban",
}
REDRESS = "the viewer may contest this decision through the in-app appeal; a person reviews every appeal"


@dataclass(frozen=True, slots=True)
class Decision:
    """One comment's moderation: ``rule`` names the pattern that matched (never the input)."""

    verdict: Verdict
    reason: Reason = Reason.NONE
    rule: str = ""
    automated: bool = True

    @property
    def shown(self) -> bool:
        return self.verdict is Verdict.SHOW

    def statement(self) -> str:
        return statement_of_reasons(self)


SHOW = Decision(Verdict.SHOW)


def statement_of_reasons(decision: Decision) -> str:
    """The DSA Art. 17 statement for a decision (empty for a comment simply shown)."""
    if decision.verdict is Verdict.SHOW and decision.reason is Reason.NONE:
        return ""
    restriction = {
        Verdict.HIDE: "The comment is not shown in the live room",
        Verdict.HOLD: "The comment is held for review and not shown until a person decides",
        Verdict.SHOW: "The comment is shown in the live room",
    }[decision.verdict]
    facts = _FACTS.get(decision.reason, "")
    ground = _GROUND.get(decision.reason, "community rules")
    means = "decided automatically by Livebase's moderation rules" if decision.automated else "decided by a person"
    rule = f" (rule: {decision.rule})" if decision.rule else ""
    return f"{restriction}: {facts}{rule}. Ground: {ground}. This was {means}. Redress: {REDRESS}."
