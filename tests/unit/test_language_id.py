"""Language identification of comments: py3langid's model read without numpy, among a market's languages."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from livebase.live.sentiment.language_id import LanguageIdentifier, is_arabizi, probabilities

SAMPLES = [
    "barang KW, kecewa banget",
    "so laggy lah, tak boleh tengok",
    "hàng giả, thất vọng quá",
    "Die Qualität ist leider miserabel",
    "c'est une arnaque, je suis déçue",
    "me encanta el color, lo quiero",
    "what size is the blue one?",
]


LATIN = ("en", "ms", "id", "vi", "de", "fr", "es")


@pytest.fixture(scope="module")
def reference() -> Any:
    """py3langid's own classifier (numpy is installed here, not in the Lambda layer)."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as Reference

    identifier = Reference.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LATIN))
    return identifier


@pytest.mark.parametrize("text", SAMPLES)
def test_probabilities_match_py3langid_restricted_to_the_same_languages(reference: Any, text: str) -> None:
    ours = probabilities(text, LATIN)
    for language, probability in reference.rank(text):
        assert ours[language] == pytest.approx(probability, abs=1e-4)


def test_the_model_loads_and_identifies_without_numpy() -> None:
    """The Lambda layer vendors no numpy: the reader must not need it."""
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from livebase.live.sentiment.language_id import LanguageIdentifier\n"
        "print(LanguageIdentifier(('de', 'fr', 'en')).identify('Die Qualität ist leider miserabel').language)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "de"


def test_script_arabizi_model_and_hint() -> None:
    sea = LanguageIdentifier(("en", "ms", "th", "id", "vi"))
    assert sea.identify("ของปลอม แย่มาก", "en").how == "script"
    assert sea.identify("hàng giả, thất vọng quá", "en").language == "vi"  # the tag is only a hint
    unsure = sea.identify("ok", "ms")
    assert unsure.how == "hint" and unsure.language == "ms"
    assert sea.identify("ok", "pt").language in sea.languages  # a tag outside the market is ignored
    assert sea.identify("barang KW, kecewa banget", "vi").language in ("id", "ms")  # an implausible tag loses
    mena = LanguageIdentifier(("ar", "en"))
    assert mena.identify("ما شاء الله جميل", "en").language == "ar"
    arabizi = mena.identify("wallah 7elw kteer", "en")
    assert arabizi.language == "ar" and arabizi.transliterated
    assert mena.identify("is the ps5 bundle in stock?", "ar").language == "en"
    assert LanguageIdentifier(("en",)).identify("anything").how == "only"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("wallah 7elw", True), ("shu hada, mafi shi", True), ("mashallah", True), ("ps5 price?", False),
     ("3rd time ordering, 2pcs please", False), ("ما شاء الله", False), ("hello", False)],
)  # fmt: skip
def test_arabizi(text: str, expected: bool) -> None:
    assert is_arabizi(text) is expected
