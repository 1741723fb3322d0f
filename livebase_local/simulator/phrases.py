"""Comment phrases per language for the simulator: positive, neutral, negative, stream trouble.

Written to read like live-room chat; "trouble" lines are what viewers type when the stream lags.
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": ("love this!", "so beautiful 😍", "great price, want one", "amazing deal", "looks nice"),
        "neutral": (
            "what size is this?",
            "hello from Penang",
            "how much is shipping?",
            "colour options?",
            "is it waterproof?",
            "first time here",
        ),
        "negative": (
            "too expensive",
            "looks fake",
            "mine arrived broken",
            "worst host ever",
            "this is a scam",
        ),
        "trouble": ("so laggy", "stream keeps buffering", "lag again 😡", "video frozen", "stream is bad"),
    },
    "ms": {
        "positive": ("cantik sangat", "suka!", "murah, nak satu", "mantap", "terbaik"),
        "neutral": ("saiz apa ni?", "hantar ke Johor?", "warna lain ada?", "salam semua"),
        "negative": ("mahal sangat", "palsu ni", "kecewa", "teruk"),
        "trouble": ("lag teruk", "tersekat lagi", "lembap gila"),
    },
    "th": {
        "positive": ("สวยมาก", "ชอบมากๆ", "คุ้มมาก", "น่ารัก"),
        "neutral": ("ไซส์อะไรคะ", "ส่งเชียงใหม่ได้ไหม", "มีสีอื่นไหม", "สวัสดีค่ะ"),
        "negative": ("แพงไป", "ของปลอมหรือเปล่า", "ผิดหวัง", "แย่มาก"),
        "trouble": ("ภาพค้าง", "กระตุกมาก", "แลคอีกแล้ว"),
    },
    "id": {
        "positive": ("bagus banget", "suka", "murah, mau", "mantap", "keren"),
        "neutral": ("ukuran berapa?", "kirim ke Bandung?", "ada warna lain?", "halo kak"),
        "negative": ("mahal banget", "palsu ya", "kecewa", "jelek"),
        "trouble": ("lemot banget", "ngelag terus", "lag parah"),
    },
    "vi": {
        "positive": ("đẹp quá", "thích lắm", "rẻ quá, muốn mua", "tuyệt vời"),
        "neutral": ("size gì vậy?", "ship Hà Nội không?", "còn màu khác không?", "chào shop"),
        "negative": ("đắt quá", "hàng giả à", "thất vọng", "tệ"),
        "trouble": ("lag quá", "giật quá", "đơ rồi"),
    },
    "ar": {
        "positive": ("حلو جدا", "رائع", "ممتاز", "يجنن"),
        "neutral": ("كم السعر؟", "في مقاسات؟", "التوصيل لدبي؟", "السلام عليكم"),
        "negative": ("غالي جدا", "مزيف", "سيء", "خيبة امل"),
        "trouble": ("تقطيع", "البث يعلق", "تقطيع كثير"),
    },
    "de": {
        "positive": ("sehr schön", "toll!", "super Preis", "genial"),
        "neutral": ("welche Größe?", "Versand nach Wien?", "gibt es andere Farben?", "hallo zusammen"),
        "negative": ("viel zu teuer", "sieht gefälscht aus", "enttäuscht", "schlecht"),
        "trouble": ("ruckelt total", "stream hängt", "lag ohne Ende"),
    },
    "fr": {
        "positive": ("trop beau", "j'adore", "super prix", "magnifique"),
        "neutral": ("quelle taille ?", "livraison en Belgique ?", "autres couleurs ?", "bonjour"),
        "negative": ("trop cher", "c'est une arnaque", "déçue", "nul"),
        "trouble": ("ça lag", "le live saccade", "bloqué encore"),
    },
    "es": {
        "positive": ("me encanta", "muy bonito", "buen precio, quiero", "genial"),
        "neutral": ("¿qué talla?", "¿envío a Texas?", "¿otros colores?", "hola"),
        "negative": ("muy caro", "es falso", "decepcionada", "malo"),
        "trouble": ("se traba mucho", "lag horrible", "está congelado"),
    },
}


def phrases(language: str) -> dict[str, tuple[str, ...]]:
    return PHRASES.get(language, PHRASES["en"])
