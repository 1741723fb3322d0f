"""The passport as a web page: what a viewer's phone opens from the QR label.

``GET /passport/{batch}`` answers this HTML when the request's ``Accept`` prefers ``text/html`` over
JSON (a browser), else the JSON body (``livebase.passport.view``). The language is the best of the
market's languages by ``Accept-Language`` (the market's first if none fits); Arabic is laid out
right to left. Every value shown is escaped (the events are supplier input, however validated),
the page loads nothing (no script, no external style: its ``Content-Security-Policy`` forbids
them), and it shows the anchor's root, the anchored leaf and the proof path with the recipe to
check them without trusting this API (``livebase.passport.offline``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

HTML_TYPE = "text/html; charset=utf-8"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept, Accept-Language",
}
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})
_WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "Product passport", "ms": "Pasport produk", "th": "พาสปอร์ตสินค้า", "id": "Paspor produk",
              "vi": "Hộ chiếu sản phẩm", "ar": "جواز المنتج", "de": "Produktpass", "fr": "Passeport produit",
              "es": "Pasaporte del producto", "zh": "产品护照"},
    "batch": {"en": "Batch", "ms": "Kelompok", "th": "ล็อต", "id": "Batch", "vi": "Lô", "ar": "الدفعة",
              "de": "Charge", "fr": "Lot", "es": "Lote", "zh": "批次"},
    "check": {"en": "Check it yourself", "ms": "Semak sendiri", "th": "ตรวจสอบด้วยตัวเอง", "id": "Periksa sendiri",
              "vi": "Tự kiểm tra", "ar": "تحقق بنفسك", "de": "Selbst prüfen", "fr": "Vérifiez vous-même",
              "es": "Compruébelo usted mismo", "zh": "自行核验"},
}  # fmt: skip
RECIPE = (
    "Fetch the day's anchor (the object below, in the market's Object Lock bucket, or any published copy of "
    "the day's root). For each event, sha256 of the canonical JSON of its details plus batch_id and kind (keys "
    "sorted, no spaces, UTF-8) is its event hash; sha256(previous entry hash + event hash), from 64 zeros, is its "
    "entry hash. The leaf's head must be the entry hash at length - 1. Then sha256(0x00 + leaf JSON), and per "
    "proof step sha256(0x01 + left + right), must give the root. The JSON of this page (Accept: application/json) "
    "carries every hash; livebase.passport.offline.check does all of it with the standard library."
)


def wants_html(accept: str | None) -> bool:
    """Whether ``Accept`` ranks ``text/html`` above ``application/json`` (absent, ``*/*``: JSON)."""
    ranks = _ranked(accept or "")
    html = max((q for kind, q in ranks if kind in ("text/html", "application/xhtml+xml")), default=0.0)
    data = max((q for kind, q in ranks if kind in ("application/json", "*/*", "application/*")), default=0.0)
    return html > data or (html > 0 and html == data and not any(k == "application/json" for k, _ in ranks))


def choose_language(accept_language: str | None, languages: Sequence[str]) -> str:
    """The market's language the viewer ranks highest (``de-AT`` counts for ``de``), else its first."""
    best, chosen = 0.0, languages[0]
    for tag, q in _ranked(accept_language or ""):
        language = tag.split("-", 1)[0]
        if language in languages and q > best:
            best, chosen = q, language
    return chosen


def _ranked(header: str) -> list[tuple[str, float]]:
    ranked = []
    for part in header.split(",")[:32]:  # a client's header, bounded
        name, _, parameters = part.strip().partition(";")
        q = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if name:
            ranked.append((name.strip().lower(), q))
    return ranked


def _word(name: str, language: str) -> str:
    return _WORDS[name].get(language, _WORDS[name]["en"])


def _label(labels: Any, language: str, fallback: str) -> str:
    return str(labels.get(language) or labels.get("en") or fallback) if isinstance(labels, dict) else fallback


def render(body: dict[str, Any], language: str) -> str:
    """The HTML page of a passport body (``livebase.passport.view.passport``), in ``language``."""
    e = escape
    verification = body["verification"]
    status = _label(verification.get("label"), language, str(verification["status"]))
    rows = []
    for event in body["events"]:
        details = "".join(
            f"<dt>{e(str(key))}</dt><dd>{e(str(value))}</dd>" for key, value in sorted(event["details"].items())
        )
        rows.append(
            f"<li><h3>{e(_label(event.get('label'), language, str(event['kind'])))}</h3><dl>{details}</dl>"
            f"<p class=h>entry {e(str(event['seq']))}: <code>{e(str(event['entry_hash']))}</code></p></li>"
        )
    findings = "".join(
        f"<li>{e(_label(f.get('label'), language, str(f['kind'])))}: {e(str(f['detail']))}</li>"
        for f in verification.get("findings", [])
    )
    anchor = verification.get("anchor")
    proof = (
        "<p>—</p>"
        if not anchor
        else (
            f"<p>{e(str(anchor['day']))} · root <code>{e(str(anchor['root']))}</code></p>"
            f"<p>leaf <code>{e(json.dumps(anchor.get('leaf', {}), sort_keys=True))}</code></p>"
            f"<ol>{''.join(f'<li>{e(str(s))} <code>{e(str(h))}</code></li>' for s, h in anchor.get('proof', []))}</ol>"
            f"<p>object <code>{e(str(anchor.get('object', {}).get('key', '')))}</code> "
            f"version <code>{e(str(anchor.get('object', {}).get('version_id', '')))}</code></p>"
        )
    )
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return (
        f'<!doctype html><html lang="{e(language)}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(_word('title', language))} {e(str(body['batch_id']))}</title>"
        "<style>body{font-family:sans-serif;margin:1em;max-width:40em}code{word-break:break-all;font-size:.8em}"
        "dt{font-weight:bold}.h{color:#555}</style></head><body>"
        f"<h1>{e(_word('title', language))}</h1><p>{e(_word('batch', language))} <b>{e(str(body['batch_id']))}</b></p>"
        f"<h2>{e(status)}</h2><ul>{findings}</ul><ol>{''.join(rows)}</ol>"
        f"<h2>{e(_word('check', language))}</h2>{proof}<p>{e(RECIPE)}</p></body></html>"
    )
