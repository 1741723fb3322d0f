"""Finding and rewriting references (Ref, Fn::GetAtt, Fn::Sub) inside a CloudFormation template.

Small and pure so the moto transform and the mapping reader share one notion of "X refers to Y".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# A reference: (logical id, attribute) with attribute None for a plain Ref.
Reference = tuple[str, str | None]
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
_MISSING = object()


def get_att_target(value: Any) -> Reference:
    """``Fn::GetAtt`` takes ``[Id, Attr]`` or ``"Id.Attr"``."""
    if isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return logical_id, attribute
    return str(value[0]), str(value[1])


def _sub_references(template: str) -> set[Reference]:
    found: set[Reference] = set()
    for name in _SUB_VARIABLE.findall(template):
        if name.startswith("AWS::"):
            continue
        logical_id, dot, attribute = name.partition(".")
        found.add((logical_id, attribute if dot else None))
    return found


def references(node: Any) -> set[Reference]:
    """Every resource/parameter reference in ``node`` (pseudo parameters ``AWS::*`` excluded)."""
    found: set[Reference] = set()
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
            if not node["Ref"].startswith("AWS::"):
                found.add((node["Ref"], None))
            return found
        if len(node) == 1 and "Fn::GetAtt" in node:
            found.add(get_att_target(node["Fn::GetAtt"]))
            return found
        if len(node) == 1 and "Fn::Sub" in node:
            body = node["Fn::Sub"]
            text, variables = (body, {}) if isinstance(body, str) else (body[0], body[1])
            found |= {ref for ref in _sub_references(text) if ref[0] not in variables}
            found |= references(variables)
            return found
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def referenced_ids(node: Any) -> set[str]:
    return {logical_id for logical_id, _ in references(node)}


def substitute(node: Any, lookup: Callable[[Reference], Any]) -> Any:
    """Replace references for which ``lookup`` returns a value (anything but ``MISSING``).

    Fn::Sub strings get the value spliced in as text; a Sub with nothing left to substitute
    becomes a plain string.
    """
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
            value = lookup((node["Ref"], None))
            return node if value is _MISSING else value
        if len(node) == 1 and "Fn::GetAtt" in node:
            value = lookup(get_att_target(node["Fn::GetAtt"]))
            return node if value is _MISSING else value
        if len(node) == 1 and "Fn::Sub" in node:
            return _substitute_sub(node["Fn::Sub"], lookup)
        return {key: substitute(value, lookup) for key, value in node.items()}
    if isinstance(node, list):
        return [substitute(value, lookup) for value in node]
    return node


def _substitute_sub(body: Any, lookup: Callable[[Reference], Any]) -> Any:
    text, variables = (body, {}) if isinstance(body, str) else (body[0], body[1])

    def splice(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("AWS::") or name in variables:
            return match.group(0)
        logical_id, dot, attribute = name.partition(".")
        value = lookup((logical_id, attribute if dot else None))
        return match.group(0) if value is _MISSING else str(value)

    new_text = _SUB_VARIABLE.sub(splice, text)
    new_variables = substitute(variables, lookup)
    if not new_variables and "${" not in new_text:
        return new_text
    return {"Fn::Sub": new_text if not new_variables else [new_text, new_variables]}


def lookup_in(values: Mapping[Reference, Any]) -> Callable[[Reference], Any]:
    """A ``lookup`` for :func:`substitute` backed by a mapping."""
    return lambda ref: values.get(ref, _MISSING)


MISSING = _MISSING
