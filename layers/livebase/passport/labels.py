"""Short labels of the passport in each market language (what a viewer's phone shows).

Languages are the markets' (``livebase.markets.config.Market.languages``); a language without a
label here falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable

_LABELS: dict[str, dict[str, str]] = {
    "origin": {"en": "Origin", "ms": "Asal", "th": "แหล่งกำเนิด", "id": "Asal", "vi": "Xuất xứ",
               "ar": "المنشأ", "de": "Herkunft", "fr": "Origine", "es": "Origen", "zh": "产地"},
    "qc_certificate": {"en": "Quality certificate", "ms": "Sijil kualiti", "th": "ใบรับรองคุณภาพ",
                       "id": "Sertifikat mutu", "vi": "Chứng nhận chất lượng", "ar": "شهادة الجودة",
                       "de": "Qualitätszertifikat", "fr": "Certificat qualité", "es": "Certificado de calidad",
                       "zh": "质检证书"},
    "customs_declaration": {"en": "Customs", "ms": "Kastam", "th": "ศุลกากร", "id": "Bea cukai",
                            "vi": "Hải quan", "ar": "الجمارك", "de": "Zoll", "fr": "Douane", "es": "Aduana",
                            "zh": "报关"},
    "warehouse_in": {"en": "Into warehouse", "ms": "Masuk gudang", "th": "เข้าคลังสินค้า", "id": "Masuk gudang",
                     "vi": "Nhập kho", "ar": "دخول المستودع", "de": "Wareneingang", "fr": "Entrée entrepôt",
                     "es": "Entrada al almacén", "zh": "入库"},
    "warehouse_out": {"en": "Out of warehouse", "ms": "Keluar gudang", "th": "ออกจากคลังสินค้า",
                      "id": "Keluar gudang", "vi": "Xuất kho", "ar": "خروج من المستودع", "de": "Warenausgang",
                      "fr": "Sortie entrepôt", "es": "Salida del almacén", "zh": "出库"},
    "shipment": {"en": "Shipment", "ms": "Penghantaran", "th": "การจัดส่ง", "id": "Pengiriman",
                 "vi": "Vận chuyển", "ar": "الشحن", "de": "Versand", "fr": "Expédition", "es": "Envío",
                 "zh": "运输"},
    "verified": {"en": "Verified", "ms": "Disahkan", "th": "ตรวจสอบแล้ว", "id": "Terverifikasi",
                 "vi": "Đã xác minh", "ar": "تم التحقق", "de": "Verifiziert", "fr": "Vérifié", "es": "Verificado",
                 "zh": "已验证"},
    "verified_pending_anchor": {"en": "Verified (anchor pending)", "ms": "Disahkan (menunggu sauh)",
                                "th": "ตรวจสอบแล้ว (รอยึด)", "id": "Terverifikasi (menunggu jangkar)",
                                "vi": "Đã xác minh (chờ neo)", "ar": "تم التحقق (بانتظار التثبيت)",
                                "de": "Verifiziert (Verankerung ausstehend)", "fr": "Vérifié (ancrage en attente)",
                                "es": "Verificado (anclaje pendiente)", "zh": "已验证（待锚定）"},
    "not_verified": {"en": "Not verified", "ms": "Tidak disahkan", "th": "ไม่ผ่านการตรวจสอบ",
                     "id": "Tidak terverifikasi", "vi": "Không xác minh được", "ar": "لم يتم التحقق",
                     "de": "Nicht verifiziert", "fr": "Non vérifié", "es": "No verificado", "zh": "未通过验证"},
    "tampered": {"en": "Altered entry", "ms": "Entri diubah", "th": "รายการถูกแก้ไข", "id": "Entri diubah",
                 "vi": "Mục bị sửa", "ar": "إدخال معدل", "de": "Eintrag verändert", "fr": "Entrée modifiée",
                 "es": "Entrada alterada", "zh": "记录被篡改"},
    "removed": {"en": "Missing entry", "ms": "Entri hilang", "th": "รายการหายไป", "id": "Entri hilang",
                "vi": "Mục bị thiếu", "ar": "إدخال مفقود", "de": "Eintrag fehlt", "fr": "Entrée manquante",
                "es": "Entrada faltante", "zh": "记录缺失"},
    "reordered": {"en": "Entries out of order", "ms": "Susunan entri berubah", "th": "ลำดับรายการผิด",
                  "id": "Urutan entri berubah", "vi": "Sai thứ tự", "ar": "ترتيب غير صحيح",
                  "de": "Reihenfolge verändert", "fr": "Ordre modifié", "es": "Orden alterado", "zh": "顺序被调换"},
    "anchor_mismatch": {"en": "Differs from the daily anchor", "ms": "Berbeza daripada sauh harian",
                        "th": "ไม่ตรงกับการยึดรายวัน", "id": "Berbeda dari jangkar harian",
                        "vi": "Khác với neo hằng ngày", "ar": "يختلف عن التثبيت اليومي",
                        "de": "Weicht von der Tagesverankerung ab", "fr": "Diffère de l'ancrage du jour",
                        "es": "Difiere del anclaje diario", "zh": "与每日锚定不符"},
}  # fmt: skip


def labels(name: str, languages: Iterable[str]) -> dict[str, str]:
    """``{language: label}`` for ``name`` (an event kind, a status or a finding kind)."""
    table = _LABELS[name]
    return {language: table.get(language, table["en"]) for language in languages}


def known(name: str) -> bool:
    return name in _LABELS
