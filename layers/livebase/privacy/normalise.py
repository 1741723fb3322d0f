"""One normalisation before every contact-data check, so a phone number or an e-mail address is
found however it is written.

:func:`fold` gives the text a check should look at (never what is stored or shown): NFKC
(fullwidth and compatibility forms of "@", "+", digits and "."), invisible characters removed
(Unicode format characters (Cf): zero-width space and joiners, BOM, bidi marks, soft hyphen,
tags; combining marks, which sit invisibly between digits; control characters other than
whitespace), every decimal digit folded to ASCII (Arabic-Indic, Devanagari, Thai...), and the
dots, dashes, spaces, "@" and "+" of other scripts folded to ASCII. ASCII text without control
characters is returned as it is (the hot path: most fields are plain ASCII).
"""

from __future__ import annotations

import re
import unicodedata

# Look-alikes NFKC leaves alone (dashes and spaces go by their category: Pd and Zs).
_PUNCTUATION = {
    "\u3002": ".", "\uff61": ".", "\u06d4": ".", "\u0701": ".", "\u0702": ".", "\u2024": ".", "\u00b7": ".",
    "\u2022": ".", "\u30fb": ".", "\u2219": ".", "\u2027": ".",  # full stops, middle dots
    "\ufe6b": "@", "\u24d0": "@",  # small and circled commercial at (NFKC misses the circled one)
    "\u2795": "+", "\u02d6": "+",  # heavy and modifier plus
    "\u2212": "-", "\u2796": "-", "\u02d7": "-",  # minus signs
    "\u3014": "(", "\u3015": ")", "\uff08": "(", "\uff09": ")",
}  # fmt: skip
_INVISIBLE = frozenset({"Cf", "Mn", "Me", "Cs", "Co"})
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class _FoldTable(dict[int, str | None]):
    """``str.translate`` table filled per code point on first sight (a cold start computes no table)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        folded: str | None
        if char in _PUNCTUATION:
            folded = _PUNCTUATION[char]
        elif category in _INVISIBLE or (category == "Cc" and not char.isspace()):
            folded = None
        elif category == "Nd":
            folded = str(unicodedata.decimal(char))
        elif category == "Zs":
            folded = " "
        elif category == "Pd":
            folded = "-"
        else:
            folded = char
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The form of ``text`` a contact-data check looks at (see the module docstring)."""
    if text.isascii():
        return _ASCII_CONTROLS.sub("", text) if not text.isprintable() else text
    return unicodedata.normalize("NFKC", text).translate(_TABLE)
