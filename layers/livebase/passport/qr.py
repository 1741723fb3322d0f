"""QR labels for a batch (``segno``): the passport URL as SVG and PNG, ready to print or to show
in the live room (a host holds up the product, the room cue shows its label)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote

import segno


def passport_url(api_url: str, batch_id: str) -> str:
    """``<api_url>/passport/<batch>``; ``api_url`` is the stage URL (the ``PassportApiUrl`` output)."""
    return f"{api_url.rstrip('/')}/passport/{quote(batch_id, safe='')}"


@dataclass(frozen=True)
class QrLabel:
    batch_id: str
    url: str
    svg: str
    png: bytes


def qr_label(api_url: str, batch_id: str, *, scale: int = 4) -> QrLabel:
    """The batch's QR label (error correction M: still scans with a scuffed corner)."""
    url = passport_url(api_url, batch_id)
    code = segno.make(url, error="m", micro=False)
    svg, png = io.BytesIO(), io.BytesIO()
    code.save(svg, kind="svg", scale=scale, title=f"Passport {batch_id}", xmldecl=False)
    code.save(png, kind="png", scale=scale)
    return QrLabel(batch_id, url, svg.getvalue().decode(), png.getvalue())
