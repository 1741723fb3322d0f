"""Comment moderation in the live room: a decision (show / hide / hold) with a reason, in microseconds.

Pure rules over the comment, the viewer's recent behaviour in the room and the sanctions ops
applied; no I/O except through the store and lookups passed in. Every decision that is not
"show" carries a statement of reasons (EU DSA Art. 17: what was decided, on which facts, on
which ground, that it was automated, how to contest it), kept in the market's region.

- :mod:`~livebase.moderation.decisions`: verdicts, reasons, the statement of reasons;
- :mod:`~livebase.moderation.rules`: insult, scam, spam, contact and banned-category patterns;
- :mod:`~livebase.moderation.flooding`: per viewer and room windows (comment floods, like and join bots);
- :mod:`~livebase.moderation.moderator`: the one decision per comment and the authenticity marks;
- :mod:`~livebase.moderation.store`: decisions, the held queue, sanctions and the action log.
"""

from livebase.moderation.decisions import Decision, Reason, Verdict, statement_of_reasons
from livebase.moderation.moderator import Moderator

__all__ = ["Decision", "Moderator", "Reason", "Verdict", "statement_of_reasons"]
