"""Offline lexicon sentiment: every market language, negation, intensifiers, Thai substrings."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from livebase.live.sentiment import SUPPORTED_LANGUAGES, lexicon, score
from livebase.markets.config import load_markets
from livebase_local.simulator.phrases import PHRASES

# (language, clearly negative, clearly positive, negated positive)
CASES = [
    ("en", "this is a total scam", "love it, great price", "not good at all"),
    ("ms", "mahal sangat, kecewa", "cantik sangat", "tak bagus"),
    ("th", "ของปลอม แย่มาก", "สวยมากๆ", "ไม่ดี"),
    ("id", "penipu, jelek banget", "bagus banget", "gak bagus"),
    ("vi", "hàng giả, thất vọng", "đẹp quá", "không tốt"),
    ("ar", "مزيف وسيء جدا", "رائع وممتاز", "مو زين"),
    ("de", "Betrug, total kaputt", "sehr schön", "nicht gut"),
    ("fr", "c'est une arnaque", "magnifique, j'adore", "ce n'est pas bon"),
    ("es", "es una estafa", "me encanta", "no me gusta"),
]


def test_every_market_language_has_a_lexicon() -> None:
    spoken = {lang for market in load_markets().values() for lang in market.languages}
    assert spoken <= set(SUPPORTED_LANGUAGES)
    assert {lang for lang, *_ in CASES} == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize(("language", "negative", "positive", "negated"), CASES)
def test_polarity_and_negation(language: str, negative: str, positive: str, negated: str) -> None:
    assert score(negative, language).negative
    assert score(positive, language).compound > 0.3
    flipped = score(negated, language)
    assert flipped.negative and flipped.hits == 1


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_lexicon_files_are_consistent(language: str) -> None:
    raw = json.loads(
        resources.files("livebase.live.sentiment").joinpath("lexicons", f"{language}.json").read_text("utf-8")
    )
    assert raw["language"] == language
    assert not set(raw["positive"]) & set(raw["negative"]), "a term cannot be both"
    assert all(1 <= w <= 3 for w in [*raw["positive"].values(), *raw["negative"].values()])
    compiled = lexicon(language)
    assert compiled is not None and compiled.terms


def test_intensifiers_scale_and_dampeners_soften() -> None:
    plain, strong = score("expensive", "en").score, score("very expensive", "en").score
    assert strong == pytest.approx(plain * 1.5)
    assert score("mahal banget", "id").score == pytest.approx(score("mahal", "id").score * 1.5)  # after the term
    assert abs(score("slightly slow", "en").score) < abs(score("slow", "en").score)


def test_not_bad_is_mildly_positive_and_negation_stops_at_another_term() -> None:
    assert 0 < score("not bad", "en").compound < 0.5
    # "not" belongs to "cheap", so "great" keeps its sign.
    assert score("not cheap but great", "en").score == pytest.approx(-0.75 + 2)


def test_thai_substring_matching_prefers_longer_terms() -> None:
    assert score("น่ารักมาก", "th").score == pytest.approx(2 * 1.5)  # "cute", not "love" inside it
    assert score("ดีไซน์เรียบ", "th").hits == 0  # neutral blocker: "design" contains "good"
    assert score("สวัสดีค่ะ", "th").hits == 0
    assert score("ถูกหลอก", "th").negative  # "got cheated" is not "cheap"


def test_arabic_spelling_variants_and_clitics() -> None:
    assert score("أسوأ", "ar").score == score("اسوا", "ar").score < 0
    assert score("والمزيف", "ar").negative  # "and the fake"


def test_stretched_letters_and_emoji() -> None:
    assert score("scammmm", "en").negative
    assert score("sooo good", "en").score > score("good", "en").score
    emoji_only = score("😡😡", "pt")  # unsupported language: emoji still count
    assert emoji_only.negative and not emoji_only.supported
    assert score("olá tudo bem", "pt").score == 0


@pytest.mark.parametrize("language", sorted(PHRASES))
def test_simulator_phrases_score_as_their_class(language: str) -> None:
    for kind, texts in PHRASES[language].items():
        for text in texts:
            result = score(text, language)
            assert result.negative == (kind in ("negative", "trouble")), (kind, text)
            if kind == "neutral":
                assert result.hits == 0, text
