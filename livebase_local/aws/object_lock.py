"""S3 Object Lock for the local AWS: moto's CloudFormation creates a bucket but ignores its
``ObjectLockEnabled`` / ``ObjectLockConfiguration`` and ``VersioningConfiguration``.

After a stack is created, every bucket whose template turns Object Lock on gets it through the S3
API (versioning, then the lock configuration with the template's default retention), so locked
puts and the compliance-mode refusal of deletes behave as in the cloud (moto enforces them). A
bucket that already has its lock (a re-deploy) is left as is: S3 allows the lock to be turned on
only while the bucket is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

BUCKET = "AWS::S3::Bucket"


def apply_object_lock(s3: Any, template: Mapping[str, Any], physical: Mapping[str, str]) -> list[str]:
    """Turn Object Lock on for the template's lock-enabled buckets; returns the buckets changed."""
    changed = []
    for logical_id, body in template.get("Resources", {}).items():
        props = body.get("Properties", {})
        if body.get("Type") != BUCKET or props.get("ObjectLockEnabled") is not True or logical_id not in physical:
            continue
        bucket = physical[logical_id]
        try:
            s3.get_object_lock_configuration(Bucket=bucket)
            continue  # already locked
        except ClientError as error:
            if error.response["Error"]["Code"] != "ObjectLockConfigurationNotFoundError":
                raise
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        configuration: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
        rule = props.get("ObjectLockConfiguration", {}).get("Rule")
        if rule:
            configuration["Rule"] = rule
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=configuration)
        changed.append(bucket)
    return changed
