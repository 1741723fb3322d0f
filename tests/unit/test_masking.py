"""Personal data never reaches a log line: fields erased with Powertools data masking, values in text replaced."""

from __future__ import annotations

import io
import json

from livebase.privacy.masking import MASK, mask_personal, mask_text, masked_logger

VIEWER = "v_00112233445566778899aabb"


def test_fields_at_any_depth_and_values_in_text_are_masked() -> None:
    masked = mask_personal({
        "message": f"refused order of {VIEWER} (mail alice@example.com, tel +49 170 1234567)",
        "viewer_id": VIEWER, "detail": {"email": "bob@example.org", "sku": "SKU-A"}, "orders": [{"viewer": VIEWER}],
        "count": 3,
    })  # fmt: skip
    assert masked["viewer_id"] == MASK and masked["detail"] == {"email": MASK, "sku": "SKU-A"}
    assert masked["orders"] == [{"viewer": MASK}] and masked["count"] == 3
    assert masked["message"] == f"refused order of {MASK} (mail {MASK}, tel {MASK})"
    plain = {"message": "batch done", "records": 500, "sku": "SKU-LIP-001"}
    assert mask_personal(plain) == plain


def test_the_logger_writes_no_personal_data() -> None:
    stream = io.StringIO()
    logger = masked_logger(service="test", logger_handler=None, stream=stream)
    logger.info("erasure requested", viewer_id=VIEWER, market="eu")
    try:
        raise ValueError(f"no consent for {VIEWER}")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    assert VIEWER not in text and "erasure requested" in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["viewer_id"] == MASK and lines[0]["market"] == "eu"
    assert MASK in lines[1]["exception"]


def test_every_handler_that_may_see_viewer_data_logs_through_the_masked_logger() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "functions"
    names = ("ingest", "orders", "room_cue", "fulfilment", "receiving", "passport_intake", "studio", "studio_failover")
    for name in (*names, "erasure"):
        tree = ast.parse((root / name / "handler.py").read_text())
        loggers = [
            node.value.func.id
            for node in tree.body
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "logger" for t in node.targets)
            and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
        ]  # fmt: skip
        assert loggers == ["masked_logger"], f"functions/{name}: logger is {loggers}"


def test_text_without_personal_data_is_logged_as_written() -> None:
    """The fold that finds contact data however written drops combining marks: a line with nothing to mask
    keeps its Thai tone marks, Vietnamese accents and dashes."""
    line = "verified — Verified / ตรวจสอบแล้ว / Đã xác minh / تم التحقق"
    assert mask_text(line) == line
    assert mask_text("ตรวจสอบแล้ว call +66 81 234 5678") == "ตรวจสอบแลว call " + MASK
