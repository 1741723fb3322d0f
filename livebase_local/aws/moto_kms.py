"""KMS keys from a CloudFormation template keep their KeySpec and KeyUsage in moto.

moto 5.2.5 creates every ``AWS::KMS::Key`` of a stack as a symmetric encryption key, whatever
the template says, so the market's HMAC pseudonym key (``GenerateMac``) would refuse every call
locally. This passes the template's ``KeySpec``, ``KeyUsage`` and ``MultiRegion`` through to
moto's own ``create_key`` (which supports HMAC keys), and the key policy as JSON text, as moto's
own policy check reads it (given the template's object, every call on the key was a 500).
"""

from __future__ import annotations

import json
from typing import Any


def patch_kms_key_spec() -> None:
    from moto.kms.models import Key, kms_backends

    def create_from_cloudformation_json(
        cls: type[Key], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Key:
        properties = cloudformation_json["Properties"]
        policy = properties["KeyPolicy"]
        if isinstance(policy, dict):  # moto's policy check reads it as JSON text (a dict made every call a 500)
            policy = json.dumps(policy)
        key = kms_backends[account_id][region_name].create_key(
            policy=policy,
            key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=properties.get("Description"),
            tags=properties.get("Tags", []),
            multi_region=bool(properties.get("MultiRegion", False)),
        )
        key.key_rotation_status = properties.get("EnableKeyRotation", False)
        key.enabled = properties.get("Enabled", True)
        return key

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment,arg-type]
