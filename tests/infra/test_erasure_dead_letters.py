"""Erasure reaches the dead-letter queues on the template (issue 31): the erasure function's role may
receive, delete and re-show messages of each DLQ that may hold a viewer's record (their ARNs, no
wildcard), and of no other queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.stacks import SELLING, function_statements

DLQ_OUTPUTS = (
    "IngestDlqUrl", "OrdersDlqUrl", "GoodsReceiptsDlqUrl", "ShipmentUpdatesDlqUrl", "OrderReturnsDlqUrl",
    "PassportIntakeDlqUrl", "SettlementDlqUrl",
)  # fmt: skip


def _queue_of(value: Any) -> str:
    """The logical id of the queue a ``Ref`` (its URL) or ``Fn::GetAtt [q, Arn]`` names."""
    return str(value["Ref"]) if "Ref" in value else str(value["Fn::GetAtt"][0])


@pytest.mark.parametrize("market_id", SELLING)
def test_the_erasure_function_consumes_exactly_the_dlqs_that_may_name_a_viewer(synthesised, market_id: str) -> None:
    raw = synthesised.raw(market_id)
    _, deletes = function_statements(raw, f"livebase-{market_id}-erasure", "sqs:DeleteMessage")
    consumed = {
        _queue_of(r) for s in deletes for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    outputs = raw["Outputs"]
    expected = {_queue_of(outputs[name]["Value"]) for name in DLQ_OUTPUTS if name in outputs}
    assert expected and consumed == expected
    assert "*" not in json.dumps([s["Resource"] for s in deletes])
