"""Comments per language for the simulator: positive, neutral, negative, stream trouble.

The comments are data (``phrases.yaml`` beside this module), read once at import: sentences as viewers
write them (slang, emoji, Manglish, Arabizi), not the sentiment lexicons' entries and not the labelled
set the scorer is measured on, so the demo's negative share says something about the scorer.
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
