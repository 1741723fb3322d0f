"""Which language a comment is written in, among its market's languages (the client's tag is a hint).

The model is py3langid's (naive Bayes over byte n-grams found by a DFA, 142 languages, shipped in its
pure-Python wheel). py3langid itself needs numpy, which the Lambda layer does not vendor (it ships
pure-Python distributions only), so the model file is read here with the standard library: its npz
holds plain ``.npy`` arrays (no pickle), and only the columns of the market's languages are kept.
``tests/unit/test_language_id.py`` checks the scores against py3langid's own classifier.

Decision: Thai and Arabic script decide by themselves; Latin text that writes Arabic (Arabizi: digits
as letters, "wallah", "7elw") is Arabic in a market that speaks it; otherwise the model picks among the
market's Latin-script languages and, when it is unsure (top probability below ``SURE``), the client's
tag wins if the model finds it plausible (``PLAUSIBLE``: Malay against Indonesian, not Vietnamese).
Loading costs about a second and 60 MB once per process, at the first comment that needs the model.
"""

from __future__ import annotations

import ast
import lzma
import math
import re
import shutil
import struct
import tempfile
import threading
import unicodedata
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import util
from operator import mul
from pathlib import Path

MODEL_PACKAGE = "py3langid"
SURE = 0.8
PLAUSIBLE = 0.2  # an unsure model yields to the client's tag only when the tag is itself plausible
_THAI = re.compile("[\u0e00-\u0e7f]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_LATIN = re.compile("[a-zA-Z]")
# Arabizi: a digit standing for an Arabic letter in a word (7 = ح, 3 = ع, 2 = ء, 5 = خ, 9 = ق/ص), but not
# an ordinal, a unit or a model number ("3rd", "2pcs", "ps5", "s23").
_ARABIZI_TOKEN = re.compile(r"^[a-z]*[23579][a-z]+$|^[a-z]{4,}[23579]$")
_NOT_ARABIZI = re.compile(r"^\d+(st|nd|rd|th|pcs|pc|pm|am|kg|cm|mm|ml|xl|xxl|gb|tb|mp|k|g|m|x|s|h|min|hrs?|days?)$")
_ARABIZI_WORDS = frozenset([
    "wallah", "wallahi", "walla", "mashallah", "mashalla", "inshallah", "inshalla", "yalla", "habibi", "habibti",
    "shu", "shlon", "shloon", "mafi", "mafee", "mish", "msh", "mo", "mu", "zain", "zein", "7elw", "helw", "7ilu",
    "7elo", "kteer", "kthir", "wayed", "wayid", "wa9el", "ya3ni", "yaani", "akhi", "ukhti", "khalas", "tayeb",
    "tayyib", "la2", "aywa", "ma3", "3ala", "alhamdulillah", "subhanallah", "el", "il", "kil", "shwai", "shway",
    "abadan", "shi", "bas", "lesh", "leish", "hatha", "hadha", "ana", "inta", "enta", "ma", "wayid", "jiddan",
    "mumkin", "ghali", "khasara", "akhith", "wa7ed", "si3r", "kam",
])  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


class LanguageModelError(RuntimeError):
    """py3langid's model file is missing or not in the layout this reader knows."""


@dataclass(frozen=True, slots=True)
class _Model:
    classes: tuple[str, ...]
    class_priors: tuple[float, ...]
    weights: memoryview  # float16 bits as uint16, features x classes, row-major
    nextmove: array  # type: ignore[type-arg]  # DFA transitions, 256 per distinct row
    rowbase: tuple[int, ...]  # state -> offset of its row in nextmove
    out_feat: tuple[int, ...]  # state -> feature index, or -1


def _model_path() -> Path:
    """Found without importing py3langid (its import pulls numpy in)."""
    spec = util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LanguageModelError(f"{MODEL_PACKAGE} is not installed (layers/livebase/requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "model.npz.xz"
    if not path.is_file():
        raise LanguageModelError(f"{path} is missing")
    return path


def _npy(data: bytes) -> tuple[str, tuple[int, ...], memoryview]:
    """(dtype descr, shape, raw little-endian data) of one ``.npy`` array (format 1.0 or 2.0)."""
    if data[:6] != b"\x93NUMPY":
        raise LanguageModelError("not an npy array")
    if data[6] == 1:
        size, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        size, start = struct.unpack("<I", data[8:12])[0], 12
    header = ast.literal_eval(data[start : start + size].decode("latin1"))
    if header["fortran_order"]:
        raise LanguageModelError("fortran-ordered array")
    return header["descr"], tuple(header["shape"]), memoryview(data)[start + size :]


def _ints(data: bytes, expected: str, code: str) -> array:  # type: ignore[type-arg]
    descr, _shape, raw = _npy(data)
    if descr != expected:
        raise LanguageModelError(f"unexpected dtype {descr}")
    values = array(code)
    if values.itemsize != int(expected[-1]):
        raise LanguageModelError("platform integer size differs")
    values.frombytes(raw)
    return values


_LOADING = threading.Lock()


def _model() -> _Model:
    """The model, loaded once per process: a lock keeps concurrent first callers (the local runner's
    shard workers share one process) from each unpacking the 68 MB file at the same time."""
    with _LOADING:
        return _load_model()


@cache
def _load_model() -> _Model:
    # Streamed to a temporary file, as py3langid does: the 68 MB npz is never held whole in memory.
    with tempfile.TemporaryFile(suffix=".npz") as unpacked:
        with lzma.open(_model_path()) as packed:
            shutil.copyfileobj(packed, unpacked, length=1 << 20)
        unpacked.seek(0)
        with zipfile.ZipFile(unpacked) as npz:
            descr, shape, raw = _npy(npz.read("classes.npy"))
            width = int(descr.lstrip("<U"))
            text = raw.tobytes().decode("utf-32-le")
            classes = tuple(text[i * width : (i + 1) * width].rstrip("\x00") for i in range(shape[0]))
            descr, _, raw = _npy(npz.read("pc.npy"))
            priors = struct.unpack(f"<{len(classes)}f", raw)
            descr, ptc_shape, raw = _npy(npz.read("ptc.npy"))
            if descr != "<f2" or ptc_shape[1] != len(classes):
                raise LanguageModelError("unexpected weights layout")
            weights = raw.cast("H")
            nextmove = _ints(npz.read("nextmove.npy"), "<u4", "I")
            rows = _ints(npz.read("nextmove_row.npy"), "<u2", "H")
            out_feat = _ints(npz.read("out_feat.npy"), "<i4", "i")
    return _Model(classes, priors, weights, nextmove, tuple(r << 8 for r in rows), tuple(out_feat))


@cache
def _column(language: str) -> tuple[float, ...]:
    """One language's weight per feature (float16 → float), read from the row-major matrix."""
    model = _model()
    j = model.classes.index(language)
    stride = len(model.classes)
    bits = model.weights[j::stride].tobytes()
    return struct.unpack(f"<{len(bits) // 2}e", bits)


def _features(text: str) -> tuple[Counter[int], int]:
    """py3langid's encoding (lower-case if all upper, NFC, UTF-8) walked through its DFA: (features, bytes)."""
    if text.isupper():
        text = text.lower()
    model = _model()
    nextmove, rowbase, out_feat = model.nextmove, model.rowbase, model.out_feat
    state, found = 0, []
    encoded = unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")
    for byte in encoded:
        state = nextmove[rowbase[state] + byte]
        feature = out_feat[state]
        if feature >= 0:
            found.append(feature)
    return Counter(found), len(encoded)


@cache
def _columns(languages: tuple[str, ...]) -> tuple[tuple[str, tuple[float, ...], float], ...]:
    model = _model()
    return tuple((lang, _column(lang), model.class_priors[model.classes.index(lang)]) for lang in languages)


def probabilities(text: str, languages: tuple[str, ...]) -> dict[str, float]:
    """py3langid's normalised probabilities restricted to ``languages`` (uniform when no feature)."""
    features, size = _features(text)
    if not features:
        return {language: 1.0 / len(languages) for language in languages}
    found = list(features)
    logs = list(map(math.log1p, features.values()))
    scale = 1.0 / math.sqrt(size)
    columns = _columns(languages)
    raw = [(sum(map(mul, logs, map(column.__getitem__, found))) + prior) * scale for _, column, prior in columns]
    top = max(raw)
    exps = [math.exp(value - top) for value in raw]
    total = sum(exps)
    return {language: value / total for (language, _, _), value in zip(columns, exps, strict=True)}


def is_arabizi(text: str) -> bool:
    """Latin letters writing Arabic: a digit-letter inside a word, or two Arabizi words."""
    if not _LATIN.search(text) or _ARABIC.search(text):
        return False
    words = _WORD.findall(text.lower())
    if any(_ARABIZI_TOKEN.match(word) and not _NOT_ARABIZI.match(word) for word in words):
        return True
    return bool(words) and sum(word in _ARABIZI_WORDS for word in words) >= min(2, len(words))


@dataclass(frozen=True, slots=True)
class Identification:
    """The language chosen and how: ``script``, ``arabizi``, ``model``, ``hint`` or ``only``."""

    language: str
    how: str
    transliterated: bool = False


class LanguageIdentifier:
    """Identifies comments among one market's languages (those with a model column)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.latin = tuple(lang for lang in languages if lang not in ("th", "ar"))  # the model's choices

    def by_script(self, text: str, hint: str | None = None) -> Identification | None:
        """The decisions that need no model (a script, Arabizi, a single candidate), else None."""
        languages = self.languages
        if "th" in languages and _THAI.search(text):
            return Identification("th", "script")
        if "ar" in languages and _ARABIC.search(text):
            return Identification("ar", "script")
        if "ar" in languages and is_arabizi(text):
            return Identification("ar", "arabizi", transliterated=True)
        if len(self.latin) == 1:
            return Identification(self.latin[0], "only")
        if not self.latin:
            return Identification(hint if hint in languages else languages[0], "hint")
        return None

    def identify(self, text: str, hint: str | None = None) -> Identification:
        found = self.by_script(text, hint)
        if found is not None:
            return found
        probs = probabilities(text, self.latin)
        best = max(probs, key=probs.__getitem__)
        if probs[best] < SURE and probs.get(hint or "", 0.0) >= PLAUSIBLE:
            return Identification(hint or best, "hint")
        return Identification(best, "model")
