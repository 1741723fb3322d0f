"""Point this process's AWS clients at the local AWS, and never at a real account by accident.

Fake credentials are set so boto3 signs requests without touching ``~/.aws``; if the process
already holds credentials that look real, we refuse unless told to overwrite them (a stray
``AWS_ENDPOINT_URL`` unset later would otherwise send calls to the real account with them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager

FAKE_ACCESS_KEY = "testing"
FAKE_SECRET_KEY = "testing"
DEFAULT_REGION = "us-east-1"
# Real access key ids are 20 upper-case characters starting AKIA (long-term) or ASIA (session).
_REAL_KEY_ID = re.compile(r"^(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}$")
_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


class RealCredentialsError(RuntimeError):
    """The environment holds what look like real AWS credentials; we will not overwrite them silently."""


def real_looking_credentials(environ: MutableMapping[str, str]) -> list[str]:
    """Names of variables that look like a real account's credentials (empty when safe)."""
    found = []
    key_id = environ.get("AWS_ACCESS_KEY_ID", "")
    if key_id and _REAL_KEY_ID.match(key_id):
        found.append("AWS_ACCESS_KEY_ID")
    token = environ.get("AWS_SESSION_TOKEN", "")
    if token and token != FAKE_ACCESS_KEY:
        found.append("AWS_SESSION_TOKEN")
    if environ.get("AWS_PROFILE"):
        found.append("AWS_PROFILE")
    return found


def local_environment(
    endpoint_url: str, region: str = DEFAULT_REGION, kinesis_endpoint_url: str | None = None
) -> dict[str, str]:
    """The variables that make boto3 (and pynamodb, powertools) talk to the local AWS only.

    ``AWS_ENDPOINT_URL_KINESIS`` (botocore's per-service endpoint) sends Kinesis to its own server.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ENDPOINT_URL_KINESIS": kinesis_endpoint_url or endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # No shared config/credential files and no instance metadata lookups.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def apply_local_environment(
    endpoint_url: str,
    *,
    kinesis_endpoint_url: str | None = None,
    region: str = DEFAULT_REGION,
    overwrite_real_credentials: bool = False,
    environ: MutableMapping[str, str] | None = None,
) -> dict[str, str | None]:
    """Set the local-AWS variables in ``environ`` (the process's by default).

    Returns the previous values so :func:`restore_environment` can undo it. Raises
    :class:`RealCredentialsError` if real-looking credentials would be overwritten, unless
    ``overwrite_real_credentials`` is set.
    """
    env = os.environ if environ is None else environ
    suspicious = real_looking_credentials(env)
    if suspicious and not overwrite_real_credentials:
        raise RealCredentialsError(
            f"{', '.join(suspicious)} look like real AWS credentials; refusing to replace them with "
            "local fakes. Unset them, or pass overwrite_real_credentials=True (CLI: --overwrite-credentials)"
        )
    values = local_environment(endpoint_url, region, kinesis_endpoint_url)
    previous: dict[str, str | None] = {key: env.get(key) for key in (*values, *_CREDENTIAL_VARIABLES)}
    for key in _CREDENTIAL_VARIABLES:
        env.pop(key, None)
    env.update(values)
    return previous


def restore_environment(previous: dict[str, str | None], environ: MutableMapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    for key, value in previous.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value


@contextmanager
def local_aws_environment(
    endpoint_url: str, *, region: str = DEFAULT_REGION, overwrite_real_credentials: bool = False
) -> Iterator[dict[str, str]]:
    """Context manager form of :func:`apply_local_environment`; restores the variables on exit."""
    previous = apply_local_environment(
        endpoint_url, region=region, overwrite_real_credentials=overwrite_real_credentials
    )
    try:
        yield local_environment(endpoint_url, region)
    finally:
        restore_environment(previous)
