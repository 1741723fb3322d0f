"""Comment phrases per language for the simulator: positive, neutral, negative, stream trouble.

The phrases are data (``phrases.yaml`` beside this module), read once at import.
"""

from __future__ import annotations

from importlib.resources import files

import yaml


def _load() -> dict[str, dict[str, tuple[str, ...]]]:
    document = yaml.safe_load(files(__package__).joinpath("phrases.yaml").read_text(encoding="utf-8"))
    return {language: {kind: tuple(texts) for kind, texts in kinds.items()} for language, kinds in document.items()}


PHRASES = _load()


def phrases(language: str) -> dict[str, tuple[str, ...]]:
    return PHRASES.get(language, PHRASES["en"])
