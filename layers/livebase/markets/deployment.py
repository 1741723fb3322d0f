"""How a market's stack is deployed (not how it sells): Lambda limits and network, the replay edge.

Part of the market table (``Market.functions``, ``Market.edge``; validated by
``livebase.markets.config``) and read only by the CDK app, so handlers never see it. Kept apart
from ``config`` because these settings answer a security review, not a business rule.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

# Lambda's default concurrency quota per account and Region, and what it must keep unreserved.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100
# Reserved concurrency per function folder (functions/<name>): a cap that keeps one function from
# starving the others of the Region's quota, and a guarantee. Four selling markets may share one
# Region, so one market reserves at most (1000 - 100) / 4 = 225 (tests/infra/test_first_deploy.py);
# these reserve 204, leaving room for the next function. Stream consumers take one execution per
# shard (parallelisation factor 1); SQS consumers at least 5 (Lambda's SQS poller starts with 5 and
# a lower cap throttles messages into their DLQ); an API's function no more than its stage's
# throttle can keep busy (burst x warm duration) with room for cold starts.
DEFAULT_RESERVED = {
    "ingest": 50,  # every record of the live stream: one per shard of an on-demand stream up to 50 shards
    "orders": 50,  # the order events of the same stream: one per shard, as ingest
    "receiving": 5,  # goods receipts from the WMS, a few an hour: the SQS poller's 5
    "fulfilment": 10,  # shipment updates and returns, two queues (the poller's 5 each), at the orders' pace
    "passport_intake": 5,  # suppliers' signed intake batches, a few a day: the SQS poller's 5
    "passport": 10,  # public GET, stage 20/s (burst 40) at ~100 ms warm: ~4 busy, the rest for cold starts
    "erasure": 2,  # a person at the privacy team's console, a few at a time
    "moderation": 2,  # ops' moderation API (issue 32): people at a console and the review flow
    "room_cue": 10,  # stock cues from the bus, asynchronous: a few live rooms' cues at once, worth seconds
    "studio": 10,  # studio telemetry stream: one per shard of a few studios' devices
    "studio_failover": 5,  # a failing device's switch, rare and one at a time per studio
    "player": 20,  # join and recommendations (issue 31): stage 200/s (burst 400) at ~30 ms warm: ~12 busy
    "settlement": 5,  # one posting per order signal from its queue: the ledger catches up, the poller's 5
    "consent": 20,  # consent and activity on the stream (issue 31): not urgent, may trail past 20 shards
}
QUEUE_CONSUMERS = frozenset({"receiving", "fulfilment", "passport_intake", "settlement"})
SQS_POLLER_MINIMUM = 5
Concurrency = Annotated[int, Field(ge=1, le=ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM)]


class FunctionSettings(BaseModel):
    """The market's Lambdas: reserved concurrency per function, and whether they run in a VPC.

    ``reserved_concurrency``: overrides of :data:`DEFAULT_RESERVED` by function name; the total
    must leave Lambda's unreserved minimum of the default quota. ``vpc``: each function in private
    subnets of a market VPC with endpoints and no internet route (cost in README, off by default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    reserved_concurrency: dict[str, Concurrency] = {}
    vpc: bool = False

    @field_validator("reserved_concurrency")
    @classmethod
    def _known_functions(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(DEFAULT_RESERVED))
        if unknown:
            raise ValueError(f"unknown function {unknown}: one of {sorted(DEFAULT_RESERVED)}")
        low = sorted(name for name in QUEUE_CONSUMERS if value.get(name, SQS_POLLER_MINIMUM) < SQS_POLLER_MINIMUM)
        if low:
            raise ValueError(f"{low} read SQS queues: reserve at least {SQS_POLLER_MINIMUM} (Lambda's poller)")
        total = sum({**DEFAULT_RESERVED, **value}.values())
        if total > ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM:
            raise ValueError(
                f"reserves {total} in all; Lambda keeps {UNRESERVED_MINIMUM} of the default "
                f"{ACCOUNT_CONCURRENCY} unreserved, so at most {ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM}"
            )
        return value

    def reserved_for(self, function: str) -> int:
        """The reserved concurrency of ``functions/<function>``; an unknown name is a build error."""
        if function not in DEFAULT_RESERVED:
            raise KeyError(f"function {function!r} has no reserved concurrency: add it to DEFAULT_RESERVED")
        return self.reserved_concurrency.get(function, DEFAULT_RESERVED[function])


_HOSTNAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# CloudFront takes certificates and web ACLs from us-east-1 only.
_CERTIFICATE = re.compile(r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")
_GLOBAL_WEB_ACL = re.compile(r"^arn:aws:wafv2:us-east-1:\d{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$")
# Each edge field's format and the error naming it ({!r}: the value refused).
_EDGE_FORMATS = {
    "domain_name": (_HOSTNAME, "not a lower-case DNS host name: {!r}"),
    "certificate_arn": (_CERTIFICATE, "must be an ACM certificate ARN in us-east-1 (CloudFront's only), got {!r}"),
    "web_acl_arn": (_GLOBAL_WEB_ACL, "must be a WAFv2 global (CloudFront) web ACL ARN in us-east-1, got {!r}"),
}


class EdgeSettings(BaseModel):
    """The replay distribution's viewer side: custom domain and certificate, CloudFront web ACL.

    Without ``domain_name`` the distribution answers on ``*.cloudfront.net`` with CloudFront's
    default certificate (README: what that allows). ``web_acl_arn``: a CloudFront (global) web ACL,
    which lives in us-east-1, so it is attached by ARN and refused for strict markets
    (``Market``'s check).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain_name: str | None = None
    certificate_arn: str | None = None
    web_acl_arn: str | None = None

    @field_validator(*_EDGE_FORMATS)
    @classmethod
    def _well_formed(cls, value: str | None, info: ValidationInfo) -> str | None:
        pattern, message = _EDGE_FORMATS[info.field_name or ""]
        if value is not None and not pattern.match(value):
            raise ValueError(message.format(value))
        return value

    @model_validator(mode="after")
    def _domain_with_certificate(self) -> Self:
        if (self.domain_name is None) != (self.certificate_arn is None):
            raise ValueError("domain_name and certificate_arn go together: set both or neither")
        return self
