"""Every word the app shows, in English and Korean.

The strings live in `locales/<language>.toml`, one file per language, one
table per page. Pages call `t("explorer.title")` with a literal key, so a test
can find keys that are missing in one language or used nowhere.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import streamlit as st

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
_SESSION_KEY = "language"


@cache
def strings(language: str) -> dict[str, str]:
    """The flat table of `section.key` to text for one language."""
    with open(LOCALES / f"{language}.toml", "rb") as file:
        tables = tomllib.load(file)
    return {
        f"{section}.{key}": text
        for section, entries in tables.items()
        for key, text in entries.items()
    }


def browser_language() -> str:
    """The browser's language when Streamlit tells it and we have it, else English."""
    locale = (st.context.locale or "").lower()
    return next((code for code in LANGUAGES if locale.startswith(code)), DEFAULT_LANGUAGE)


def current_language() -> str:
    return st.session_state.get(_SESSION_KEY) or browser_language()


def t(key: str, **values) -> str:
    """The text for `key` in the session's language, formatted with `values`."""
    text = strings(current_language())[key]
    return text.format(**values) if values else text


def language_picker() -> None:
    """A switch in the sidebar; its session-state value persists across pages."""
    if _SESSION_KEY not in st.session_state:
        st.session_state[_SESSION_KEY] = browser_language()
    st.sidebar.segmented_control(
        "🌐", options=list(LANGUAGES), format_func=LANGUAGES.get,
        key=_SESSION_KEY, label_visibility="collapsed",
    )
