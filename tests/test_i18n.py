"""Every word in both languages: the string files agree with each other and with the code.

Keys are found by parsing the code (app.py, pages/, ui/) with `ast` rather than
a regex, so a `t("...")` inside a docstring or comment does not count as use,
and a call with a computed key, which no scan can check, is an error.
"""

import ast
import string
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from ui.i18n import LANGUAGES, strings

ROOT = Path(__file__).resolve().parents[1]
CODE = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def t_calls(path: Path):
    """Every call to `t(...)` or `<module>.t(...)` in a file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name == "t":
                yield node


def literal_key(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def where(path: Path, call: ast.Call) -> str:
    return f"{path.relative_to(ROOT)}:{call.lineno}"


CALLS = [(path, call) for path in CODE for call in t_calls(path)]
USED = {literal_key(call): where(path, call) for path, call in CALLS if literal_key(call)}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_scan_finds_the_pages():
    assert {"app.architecture", "architecture.title"} <= USED.keys()


def test_every_call_uses_a_literal_key():
    computed = [where(path, call) for path, call in CALLS if literal_key(call) is None]
    assert not computed, f"t() needs a literal 'table.key' so this test can check it: {computed}"


def test_both_languages_have_the_same_keys():
    english, korean = set(strings("en")), set(strings("ko"))
    assert not english - korean, f"missing in ko.toml: {sorted(english - korean)}"
    assert not korean - english, f"missing in en.toml: {sorted(korean - english)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_exists(language):
    missing = {key: place for key, place in USED.items() if key not in strings(language)}
    assert not missing, f"keys used in the code but missing in {language}.toml: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_in_the_files_is_used(language):
    unused = sorted(set(strings(language)) - USED.keys())
    assert not unused, f"keys in {language}.toml that no code uses: {unused}"


def test_both_languages_have_the_same_placeholders():
    english, korean = strings("en"), strings("ko")
    differ = {key: (placeholders(english[key]), placeholders(korean[key]))
              for key in english.keys() & korean.keys()
              if placeholders(english[key]) != placeholders(korean[key])}
    assert not differ, f"{{placeholders}} differ between en and ko (en, ko): {differ}"


def test_calls_pass_exactly_the_placeholders():
    """A missing value raises KeyError on the page; an extra one is a sign of a renamed field."""
    wrong = {}
    for path, call in CALLS:
        key = literal_key(call)
        names = {keyword.arg for keyword in call.keywords}
        if key not in strings("en") or None in names:  # None: **values, not checkable here
            continue
        if names != placeholders(strings("en")[key]):
            wrong[where(path, call)] = (key, sorted(names), sorted(placeholders(strings("en")[key])))
    assert not wrong, f"t() values differ from the text's placeholders (passed, expected): {wrong}"


# --- The language switch ---------------------------------------------------------

class PagesManagerAfterNavigation(PagesManager):
    """Streamlit's page registry as the server has it once app.py has called `st.navigation`.

    With a `pages/` folder next to app.py, Streamlit runs the first script run of
    a process in the old folder-based mode, which runs a page file without
    app.py (no language switch) until `st.navigation` turns that mode off.
    AppTest resets the mode before every run, so without this every
    `switch_page` would skip app.py.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def navigation_mode(monkeypatch):
    monkeypatch.setattr(app_test_module, "PagesManager", PagesManagerAfterNavigation)
    yield
    PagesManager.uses_pages_directory = None  # as AppTest would leave it for the next test


def app_on_architecture_page(locale: str | None, language: str | None = None) -> AppTest:
    """The whole app (app.py, then the page) as a browser with `locale` sees it, on the Architecture page.

    AppTest needs one run of the default page before `switch_page`: before it,
    it would run the page file alone, without app.py.
    """
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.context = {"locale": locale}
    if language:
        app.session_state["language"] = language
    app.run()
    app.switch_page("pages/architecture.py").run()
    assert not app.exception, [error.message for error in app.exception]
    return app


@pytest.mark.parametrize("locale, language", [
    ("ko-KR", "ko"), ("ko", "ko"), ("en-US", "en"), ("fr-FR", "en"), (None, "en"),
])
def test_the_default_language_follows_the_browser(locale, language):
    app = app_on_architecture_page(locale)
    assert app.session_state["language"] == language
    assert app.title[0].value == strings(language)["architecture.title"]


def test_a_choice_beats_the_browser_language():
    app = app_on_architecture_page("ko-KR")
    app.sidebar.segmented_control[0].set_value("en").run()
    assert app.title[0].value == strings("en")["architecture.title"]


def korean_on_screen(app: AppTest) -> bool:
    """The sidebar is in Korean and so is the page: some heading or text is a Korean string."""
    korean = set(strings("ko").values()) - set(strings("en").values())
    shown = {element.value for kind in (app.title, app.header, app.subheader, app.markdown, app.caption)
             for element in kind}
    return (app.sidebar.caption[0].value == strings("ko")["app.credit"]
            and bool(shown & korean))


@pytest.mark.parametrize("how", ["session state", "switch"])
def test_the_language_persists_across_pages(how):
    app = app_on_architecture_page("en-US", language="ko" if how == "session state" else None)
    if how == "switch":
        app.sidebar.segmented_control[0].set_value("ko").run()
    assert korean_on_screen(app)
    app.switch_page("pages/training.py").run()
    assert not app.exception
    assert app.session_state["language"] == "ko"
    assert korean_on_screen(app)
