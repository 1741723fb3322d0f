"""Stock cues → the live room: the ``room-cue`` function and the bus rule that feeds it.

A rule on the market bus passes the stock signals that name a room (``source =
livebase.inventory``, ``stock.low`` / ``stock.out``, ``detail.room_id`` exists) to the
``room-cue`` function (``functions/room_cue``), which puts the cue on the market's live channel as
timed metadata: IVS ``PutMetadata`` where the market has an IVS channel, else a MediaLive
schedule action (ID3 in the HLS rendition), else nothing (no live video: counted, see the handler).

The market's channel is shared by its unplanned rooms (``components/live_video.py``); its grant names
that channel only. A planned session's room has its own channel, created at run time by the
``session-channels`` flow and recorded in an SSM parameter per room (``livebase.live.room_cues``): a
second policy lets the function read those parameters (the market's prefix in its video Region) and
call the one cue action on channels there tagged with the market (their ARNs exist only at run time).
Cues are worth seconds, not hours: the target retries for 5 minutes,
the function's own asynchronous retries (twice) likewise; what is never delivered or never
handled goes to the ``RoomCuesDlq``. Grants only, every statement naming its resource.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from constructs import Construct

from infra_cdk.components.delivery import bus_rule, dead_letter_queue, to_function
from infra_cdk.components.functions import FunctionKit
from infra_cdk.components.live_video import MARKET_TAG, LiveVideo
from infra_cdk.nag import acknowledge, nag_resource
from livebase.live.room_cues import IVS, MEDIALIVE, NONE, ROOM_CHANNEL_PARAMETER
from livebase.markets.config import Market
from livebase.markets.resources import CueSettings
from livebase.sessions.plan import video_services
from livebase.signals.stock import STOCK_EVENT_SOURCE, STOCK_LOW, STOCK_OUT

ROOM_CUE_FUNCTION = "room_cue"
ROOM_STOCK_SIGNAL_PATTERN = events.EventPattern(
    source=[STOCK_EVENT_SOURCE],
    detail_type=[STOCK_LOW, STOCK_OUT],
    detail={"room_id": events.Match.exists()},
)
CUE_RETRY_ATTEMPTS = 8
CUE_MAX_EVENT_AGE = Duration.minutes(5)  # "only 3 left" an hour late would mislead the room


def room_channel_statements(market: Market, account: str) -> list[iam.PolicyStatement]:
    """What the function needs for planned rooms' own channels: their records, and the cue action on
    the market's tagged channels of each service its sessions use, in the sessions' video Region."""
    services, region, _ = video_services(market)
    if not services:
        return []
    records = ROOM_CHANNEL_PARAMETER.format(market=market.id, room="*")
    statements = [
        iam.PolicyStatement(
            actions=["ssm:GetParameter"], resources=[f"arn:{Aws.PARTITION}:ssm:{region}:{account}:parameter{records}"]
        )
    ]
    tagged = {"StringEquals": {f"aws:ResourceTag/{MARKET_TAG}": market.id}}
    for service, action, channels in (
        (IVS, "ivs:PutMetadata", f"arn:{Aws.PARTITION}:ivs:{region}:{account}:channel/*"),
        (MEDIALIVE, "medialive:BatchUpdateSchedule", f"arn:{Aws.PARTITION}:medialive:{region}:{account}:channel:*"),
    ):
        if service in services:
            statements.append(iam.PolicyStatement(actions=[action], resources=[channels], conditions=tagged))
    return statements


def cue_target(video: LiveVideo, account: str = "") -> tuple[str, str, str]:
    """(service, channel setting, channel ARN) of the market's live channel: IVS first (the
    players' channel), then MediaLive (its schedule takes the channel id). A channel in the
    market's media stack (another Region) is read at cold start: no setting, the ARN a pattern."""
    if video.remote is not None:  # IVS in the media stack
        return IVS, "", video.remote.channels_arn(account)
    if video.channel is not None:
        return IVS, video.channel.attr_arn, video.channel.attr_arn
    if video.medialive_channel is not None:
        return MEDIALIVE, video.medialive_channel.ref, video.medialive_channel.attr_arn
    return NONE, "", ""


class RoomCues(Construct):
    """The room-cue function, its rule on the market bus, its DLQ and its grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        bus: events.IEventBus,
        video: LiveVideo,
        idempotency_table: dynamodb.ITable,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        market_id = kit.market_id
        self.dlq = dead_letter_queue(
            self, "Dlq", key=kit.key,
            catches="the room-cue rule's Lambda target and of the function's asynchronous invocations",
        )  # fmt: skip
        parts = kit.build(self, ROOM_CUE_FUNCTION, timeout=Duration.seconds(10))
        self.function, self.role = parts.function, parts.role
        account = Stack.of(self).account
        self.service, channel, channel_arn = cue_target(video, account)
        settings = {**environment, **CueSettings(self.service, channel).lambda_environment()}
        remote = video.remote
        if remote is not None:  # the channel lives in the media Region: named there
            settings |= CueSettings(self.service, channel, remote.region, remote.parameter_name).lambda_environment()
        kit.set_environment(self.function, settings)
        self.function.configure_async_invoke(
            retry_attempts=2, max_event_age=CUE_MAX_EVENT_AGE, on_failure=destinations.SqsDestination(self.dlq)
        )
        idempotency_table.grant_read_write_data(self.function)  # one cue per bus event id
        # Least privilege: the one call on the one channel (a policy of its own, named by the channel).
        if self.service != NONE:
            action = "ivs:PutMetadata" if self.service == IVS else "medialive:BatchUpdateSchedule"
            statements = [iam.PolicyStatement(actions=[action], resources=[channel_arn])]
            if remote is not None:
                statements = [
                    iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[remote.parameter_arn(account)]),
                    iam.PolicyStatement(  # only the market's own channel there: by its tag
                        actions=[action],
                        resources=[channel_arn],
                        conditions={"StringEquals": {f"aws:ResourceTag/{MARKET_TAG}": market_id}},
                    ),
                ]
            policy = iam.Policy(self, "CuePolicy", roles=[self.role], statements=statements)
            if remote is not None:
                acknowledge(
                    policy,
                    f"AwsSolutions-IAM5[Resource::{nag_resource(policy, channel_arn)}]",
                    "The channel is in the market's media stack (another Region) and its ARN is read at cold "
                    "start; the statement is limited to channels tagged with this market (one: its own).",
                )
        rooms = room_channel_statements(kit.market, account) if self.service != NONE else []
        if rooms:
            room_policy = iam.Policy(self, "RoomChannelPolicy", roles=[self.role], statements=rooms)
            for statement in rooms:
                for arn in statement.resources:
                    acknowledge(
                        room_policy,
                        f"AwsSolutions-IAM5[Resource::{nag_resource(room_policy, arn)}]",
                        "Planned sessions' channels and their per-room records are created at run time by the "
                        "session-channels flow; the records are the market's own prefix, the channels only those "
                        "tagged with this market, in its video Region.",
                    )
        cue = to_function(
            self.function, dlq=self.dlq, retry_attempts=CUE_RETRY_ATTEMPTS, max_event_age=CUE_MAX_EVENT_AGE
        )
        self.rule = bus_rule(
            self, "StockSignalsToRoom", bus=bus, pattern=ROOM_STOCK_SIGNAL_PATTERN,
            description="stock.low / stock.out naming a room to the room-cue function (timed metadata)", to=[cue],
        )  # fmt: skip
