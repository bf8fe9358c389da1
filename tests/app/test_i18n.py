"""Both catalogs are complete; Chinese by default, English remembered; no external URLs."""

import re
from pathlib import Path

import pytest

from app.translation_tools import untranslated_entries

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_catalog_has_no_untranslated_or_fuzzy_entry(locale):
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert untranslated_entries(po, locale) == []


def test_catalogs_hold_every_string_in_the_code():
    """Every msgid extracted from the code today is in the committed template."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None,
                "ngettext": (1, 2)}
    missing = []
    for package in ("app", "models", "surveys"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map, keywords=keywords,
            options_map={"**/templates/**.html": {"trimmed": "true"}},
        ):
            msgid = message if isinstance(message, str) else message[0]
            if msgid not in known:
                missing.append(msgid)
    assert missing == [], "run `make catalogs` and translate the new strings"


def test_english_is_remembered_after_switching(client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in to Qibu" in page
    client.get("/lang/zh_CN?next=/login")
    assert "登录起步" in client.get("/login").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("lang", "text"), [("zh_CN", "页面不存在"), ("en", "Page not found")])
def test_error_pages_are_bilingual(client, lang, text):
    client.get(f"/lang/{lang}")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


EXTERNAL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.IGNORECASE)
ALLOWED = (
    "http://www.w3.org/2000/svg",
    "http://en.wikipedia.org/wiki/Bresenham",  # a comment in the vendored jsQR, never fetched
)


def _asset_files():
    for folder in (ROOT / "app" / "templates", ROOT / "app" / "static"):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".html", ".css", ".js", ".svg", ".json"}:
                yield path


def test_no_template_or_static_file_references_an_external_url():
    offenders = []
    for path in _asset_files():
        text = path.read_text(encoding="utf-8")
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in EXTERNAL.findall(text)]
    assert offenders == []


def test_the_external_url_check_catches_a_cdn_link():
    assert EXTERNAL.findall('<link href="https://cdn.example.com/x.css">')
    assert EXTERNAL.findall("@import url(//fonts.example.net/css)")


def test_templates_follow_a_forced_language_and_return_to_the_visitors(app):
    """Templates look the catalog up once per request, yet a printout forced into Chinese
    inside an English page (and back) is worded in the language in force."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    from app.i18n import locale_code

    words = "{{ _('Log out') }}|{{ locale_code() }}"
    with app.test_request_context(headers={"Cookie": "qibu_lang=en"}):
        assert render_template_string(words) == "Log out|en"
        # values put into a translated text are escaped; the text itself is not
        assert render_template_string("{{ _('Hello, %(name)s', name='<b>晓明</b>') }}") == \
            "Hello, &lt;b&gt;晓明&lt;/b&gt;"
        with force_locale("zh_CN"):
            assert render_template_string(words) == "退出登录|zh_CN"
        assert render_template_string(words) == "Log out|en"
        refresh()
        assert render_template_string(words) == "Log out|en"
    with app.app_context(), app.test_request_context():  # the next visitor's request
        assert render_template_string(words) == "退出登录|zh_CN"
    with app.app_context():
        assert locale_code() == "zh_CN"
