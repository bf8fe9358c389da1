"""The employment handbook (就业一本通): bilingual Markdown pages from seed_data/handbook/.

Each page is a file ``NN-slug.<locale>.md`` (``zh_CN`` and ``en``); its first ``# `` line
is its title, and a line ``[[courses]]`` is where the facility's courses are shown.
Markdown is rendered safely: raw HTML and entities are shown as text, images are not
loaded, and a link keeps its address only when it is a web, mail or in-app address.
"""

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import markdown
from flask import current_app
from markupsafe import Markup

COURSES_MARKER = "[[courses]]"
LOCALES = ("zh_CN", "en")
_FILE = re.compile(r"^(\d+)-([a-z0-9-]+)\.(zh_CN|en)\.md$")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_SAFE_HREF = re.compile(r"^(https?://|mailto:|/|#)", re.IGNORECASE)


@dataclass(frozen=True)
class HandbookPage:
    slug: str
    number: int
    title: str
    source: str

    @property
    def parts(self) -> list[str | None]:
        """The page's Markdown pieces, with None where the courses go."""
        pieces: list[str | None] = []
        for index, piece in enumerate(self.source.split(COURSES_MARKER)):
            if index:
                pieces.append(None)
            if piece.strip():
                pieces.append(piece)
        return pieces

    @property
    def has_courses(self) -> bool:
        return COURSES_MARKER in self.source


def handbook_dir() -> Path:
    return Path(current_app.config["SEED_DIR"]) / "handbook"


def handbook_pages(locale: str) -> list[HandbookPage]:
    """The handbook's pages in `locale` (Chinese where a translation is missing), in order."""
    found: dict[str, dict[str, Path]] = {}
    numbers: dict[str, int] = {}
    for path in sorted(handbook_dir().glob("*.md")):
        match = _FILE.match(path.name)
        if match:
            number, slug, language = match.groups()
            found.setdefault(slug, {})[language] = path
            numbers[slug] = int(number)
    pages = []
    for slug in sorted(found, key=lambda s: numbers[s]):
        versions = found[slug]
        path = versions.get(locale) or versions.get("zh_CN") or next(iter(versions.values()))
        text = path.read_text(encoding="utf-8")
        title, body = _split_title(text, slug)
        pages.append(HandbookPage(slug=slug, number=numbers[slug], title=title, source=body))
    return pages


def handbook_page(locale: str, slug: str) -> HandbookPage | None:
    return next((page for page in handbook_pages(locale) if page.slug == slug), None)


def _split_title(text: str, slug: str) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return line[2:].strip(), "\n".join(lines[:index] + lines[index + 1:])
        if line.strip():
            break
    return slug, text


class _SafeLinks(markdown.treeprocessors.Treeprocessor):
    def run(self, root):
        for element in root.iter("a"):
            if not _SAFE_HREF.match(element.get("href", "")):
                element.attrib.pop("href", None)
            element.attrib.pop("title", None)


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(output_format="html")
    # raw HTML and entities become text; images would need the internet
    md.preprocessors.deregister("html_block")
    for name in ("html", "entity", "image_link", "image_reference", "short_image_ref"):
        md.inlinePatterns.deregister(name)
    md.treeprocessors.register(_SafeLinks(md), "safe_links", 5)
    return md


def markdown_html(text: str) -> Markup:
    """Markdown as HTML, with any HTML in the text escaped."""
    # bandit B704 reviewed: raw HTML and entities are escaped (html_block, html and entity
    # deregistered) and links filtered; the text is the handbook shipped in seed_data/
    return Markup(_markdown().convert(text))  # noqa: S704  # nosec B704


def _named_entity_as_number(match: re.Match) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    characters = html.unescape(match.group(0))
    if characters == match.group(0):
        return f"&amp;{name};"
    return "".join(f"&#{ord(c)};" for c in characters)


def markdown_tree(text: str) -> ET.Element:
    """Markdown as an element tree (a ``div`` around the blocks), for the printed booklet."""
    # Markdown passes entities such as &copy; through; XML knows only its five
    source = _NAMED_ENTITY.sub(_named_entity_as_number, _markdown().convert(text))
    # bandit B314 reviewed: our own renderer's output, where a <!DOCTYPE> or <!ENTITY> in the
    # text arrives escaped as &lt;, so no entity can be declared (no XXE, no expansion bomb)
    return ET.fromstring(f"<div>{source}</div>")  # noqa: S314  # nosec B314
