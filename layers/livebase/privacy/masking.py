"""Nothing personal in logs: a Powertools log formatter that masks personal fields and values.

Every handler that may see viewer data logs through :func:`masked_logger`. Before a line is
written, fields that name a person (``PERSONAL_FIELDS``, at any depth) are erased with
Powertools data masking (``aws_lambda_powertools.utilities.data_masking``), and any pseudonymous
id, e-mail address or phone number left in free text (an exception message, say) is replaced,
however it is written (the text is folded first: ``livebase.privacy.normalise``) and in every
market's national form as well as the international one.
Masking only runs when a line holds something to mask: the field walk and the patterns cost
microseconds, data masking's JSONPath milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from livebase.privacy.normalise import fold

PERSONAL_FIELDS = frozenset({
    "viewer_id", "viewer", "viewer_key", "viewers", "host_id", "buyer", "email", "phone", "address",
})  # fmt: skip
MASK = "*****"
_OWN_KEYS = frozenset({"level", "location", "timestamp", "service", "xray_trace_id", "sampling_rate"})  # Powertools'
_PERSONAL_TEXT = re.compile(
    r"v_[0-9a-f]{16,64}"  # a pseudonymous viewer id
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"  # an e-mail address
    r"|\+\d[\d ()._/-]{7,}\d"  # a phone number in international form
    r"|(?<![\w.+-])0\d{8,11}(?![\w.-])"  # a national number written in one run, trunk 0 first (08123456789)
)
# National forms as each market writes them, digit groups with separators: 0812-3456-7890, (415) 555-0134,
# 050 123 4567, 9123 4567, 030/1234567, 1-415-555-0134; masked when the groups hold 8 to 15 digits and are not a date.
_NATIONAL_PHONE = re.compile(r"(?<![\w.+/-])\(?\d{1,5}\)?(?:[ ._/-]{1,2}\(?\d{2,8}\)?){1,4}(?![\w/:]|[.-]\d)")
_DATE = re.compile(r"\d{4}([-/.])\d{2}\1\d{2}|\d{2}([-/.])\d{2}\2\d{4}")
NATIONAL_DIGITS = range(8, 16)


def _erase_fields(document: dict[str, Any], present: list[str]) -> dict[str, Any]:
    """Powertools data masking when its JSONPath dependency (jsonpath-ng) is there, else the same walk by hand."""
    try:
        from aws_lambda_powertools.utilities.data_masking import DataMasking
    except ImportError:  # the managed Powertools layer may ship without jsonpath-ng
        return _erase_by_hand(document)
    erased: dict[str, Any] = DataMasking(raise_on_missing_field=False).erase(
        document, fields=[f"$..{k}" for k in present]
    )
    return erased


def _erase_by_hand(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if k in PERSONAL_FIELDS else _erase_by_hand(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_erase_by_hand(v) for v in value]
    return value


def _personal_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in PERSONAL_FIELDS:
                yield key
            yield from _personal_keys(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _personal_keys(inner)


def _national(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(char.isdigit() for char in found)
    return MASK if digits in NATIONAL_DIGITS and not _DATE.fullmatch(found) else found


def mask_text(text: str) -> str:
    """``text`` with viewer ids, e-mail addresses and phone numbers (international or national, however
    written: fullwidth, zero-width inside, other scripts' digits; ``livebase.privacy.normalise``) masked."""
    folded = fold(text)  # for matching only: it drops combining marks (Thai, Vietnamese, Arabic vowels)
    masked = _NATIONAL_PHONE.sub(_national, _PERSONAL_TEXT.sub(MASK, folded))
    return text if masked == folded else masked  # nothing personal: the line as it was written


def mask_personal(document: dict[str, Any]) -> dict[str, Any]:
    """The document with personal fields erased (data masking) and personal values in text replaced."""
    present = sorted(set(_personal_keys(document)))
    if present:
        document = _erase_fields(document, present)
    return {key: value if key in _OWN_KEYS else _mask_values(value) for key, value in document.items()}


def _mask_values(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_values(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))  # an exception, a date, any object: logged as its text


class PersonalDataFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON log formatter, masking personal data first."""

    def serialize(self, log: Any) -> str:
        return super().serialize(mask_personal(dict(log)))


def masked_logger(**kwargs: Any) -> Logger:
    """A Powertools ``Logger`` whose every line goes through :class:`PersonalDataFormatter`."""
    return Logger(logger_formatter=PersonalDataFormatter(), **kwargs)
