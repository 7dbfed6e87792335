"""Translation hook for the modules that must not import Qt (`api`, `core`).

The app installs `QCoreApplication.translate` at start-up; until then, and in plain
pytest runs, text is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

_translator: Callable[[str, str], str] = lambda context, text: text


def install(translator: Callable[[str, str], str]) -> None:
    global _translator
    _translator = translator


def translate(context: str, text: str) -> str:
    return _translator(context, text)
