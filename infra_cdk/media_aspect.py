"""Synth-time guard of a media-only stack: the host's video and its wiring, and nothing that stores data.

A market whose home Region offers no live video (mena: me-central-1) serves the host's video
from a stack in another Region (``infra_cdk/media_stack.py``). That is allowed only because the
stack holds no viewer data: chat, orders and metrics stay at home. This aspect makes synth fail
(error annotations) on any data store in it (tables, buckets, streams, queues, topics, databases,
caches, file systems, log groups, IVS chat and recordings) and on any resource type outside the
short list a channel needs, so a new kind of resource is a decision, not an accident.
"""

from __future__ import annotations

import jsii
from aws_cdk import Annotations, CfnResource, IAspect
from constructs import IConstruct

# Types that keep (or carry) data: their presence in a media-only stack is always an error.
DATA_STORE_PREFIXES = (
    "AWS::DynamoDB::", "AWS::S3::Bucket", "AWS::S3Express::", "AWS::S3Tables::", "AWS::Kinesis::",
    "AWS::KinesisFirehose::", "AWS::MSK::", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::RDS::",
    "AWS::DocDB::", "AWS::Neptune::", "AWS::Redshift::", "AWS::RedshiftServerless::", "AWS::ElastiCache::",
    "AWS::MemoryDB::", "AWS::Cassandra::", "AWS::Timestream::", "AWS::OpenSearchService::",
    "AWS::Elasticsearch::", "AWS::EFS::", "AWS::FSx::", "AWS::Glue::", "AWS::Logs::LogGroup",
    "AWS::Events::Archive", "AWS::Backup::BackupVault", "AWS::QLDB::", "AWS::IVSChat::",
    "AWS::IVS::RecordingConfiguration", "AWS::MediaStore::", "AWS::MediaPackage::", "AWS::EC2::Volume",
)  # fmt: skip
# What a channel and its wiring need; anything else is refused until someone decides it belongs.
ALLOWED_TYPES = frozenset(
    {
        "AWS::IVS::Channel", "AWS::IVS::StreamKey", "AWS::IVS::PlaybackKeyPair",
        "AWS::MediaLive::Input", "AWS::MediaLive::InputSecurityGroup", "AWS::MediaLive::Channel",
        "AWS::SSM::Parameter", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::CDK::Metadata",
    }
)  # fmt: skip


def media_only_problem(resource_type: str) -> str | None:
    """Why ``resource_type`` may not be in a media-only stack, or None when it may."""
    if resource_type.startswith(DATA_STORE_PREFIXES):
        return f"holds a data store ({resource_type}); viewer data stays in the market's home Region"
    if resource_type not in ALLOWED_TYPES:
        return f"{resource_type} is not video or its wiring (allowed: {', '.join(sorted(ALLOWED_TYPES))})"
    return None


@jsii.implements(IAspect)
class MediaOnlyAspect:
    """Visit every construct of a media stack; an error for each resource that is not video."""

    def __init__(self, market_id: str) -> None:
        self.market_id = market_id

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        problem = media_only_problem(node.cfn_resource_type)
        if problem:
            Annotations.of(node).add_error(f"media-only: market {self.market_id!r}'s media stack {problem}")
