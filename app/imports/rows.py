"""What every kind of spreadsheet row is read with: columns and their headers, the
reference lists a cell may name, and a reader that collects one row's problems.

A kind of row (`app.imports.surveys`, `app.imports.openings`) declares its columns with
`import_column`, looks names up in an `OptionList` of the `Reference` lists, and reads
each cell through a `RowReader`, which reads a value repeated down a column once and
keeps every problem with its column. Messy values are parsed by `surveys.values`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import Certificate, Environment, JobCategory, db
from surveys.values import ValueParseError, is_blank, normalize_text

#: Messages of problems any kind of row can have (each kind adds its own).
ROW_MESSAGES = {
    "row.unknown_choice": _l(
        "“%(text)s” is not in the list for this column. Use a name from the template's notes "
        "sheet, e.g. %(example)s."
    ),
    "row.ambiguous_choice": _l(
        "“%(text)s” could mean %(options)s. Write the full name of the one meant."
    ),
}


class RowError(ValueParseError):
    """A problem in a row's cell; its message is in the kind's catalog (`catalog`)."""

    catalog: Mapping[str, Any] = ROW_MESSAGES

    @property
    def default_message(self) -> str:
        template = self.catalog.get(self.message_key) or ROW_MESSAGES.get(self.message_key)
        if template is None:
            return super().default_message
        try:
            return str(template) % self.params
        except (KeyError, TypeError, ValueError):
            return str(template)


# Separators between the items of a list cell: 、 , ; | and new lines (full-width too,
# after NFKC). '/' and spaces split an item only when the whole item is not a known name,
# because names like 车间工人/普工 contain them.
_LIST_SEPARATORS = re.compile(r"[、,;|\n]+")


ITEM_SEPARATORS = re.compile(r"[/ ]+")


@dataclass(frozen=True)
class ImportColumn:
    """One column of a spreadsheet kind.

    ``key`` is what the row parser reads the cell as (a question id, ``categories_1``, or
    a personal fact); ``header`` the template's Chinese and English headers; ``aliases``
    other headers accepted for it; ``required`` whether a file without the column is
    refused; ``help`` how to fill it in, in both languages, for the template's notes.
    """

    key: str
    header: Mapping[str, str]
    help: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    is_date: bool = False
    #: not required, but a file without it is worth a warning (the pay, say)
    important: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header text that names this column."""
        return (self.header["zh"], self.header["en"], self.key, *self.aliases)


def import_column(key, zh, en, help_zh, help_en, *aliases, required=False, example="",
                  is_date=False, important=False) -> ImportColumn:
    """An `ImportColumn` from its key, headers, help texts and other headers."""
    return ImportColumn(key=key, header={"zh": zh, "en": en},
                        help={"zh": help_zh, "en": help_en}, aliases=aliases,
                        required=required, example=example, is_date=is_date,
                        important=important)


@dataclass(frozen=True)
class Option:
    """A value a list column accepts: its code and its Chinese and English names."""

    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()


def text_key(text: Any) -> str:
    """The comparison form of a name: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", normalize_text(text)).lower()


_BRACKETS = re.compile(r"\(.*?\)")


class OptionList:
    """Look up a written name in a list of options.

    A name is found by its code, its Chinese or English name, a part of a Chinese name
    ('普工' in 车间工人/普工, '厨师' in 厨师及厨房帮工), its name without the bracketed
    note, an alias, or a beginning that only one name has ('叉车' is 叉车司机). Text found
    only inside a name ('司机' in 叉车司机) is not taken: it may well mean another option.
    """

    def __init__(self, options: Iterable[Option]):
        self.options = tuple(options)
        self._exact: dict[str, str] = {}
        self._prefixes: list[tuple[str, Option]] = []
        for option in self.options:
            parts = [p for p in re.split(r"[/及]", option.name_zh) if p]
            plain = _BRACKETS.sub("", normalize_text(option.name_zh))
            for name in (option.code, option.name_zh, option.name_en, plain, *option.aliases,
                         *(parts if len(parts) > 1 else ())):
                self._exact.setdefault(text_key(name), option.code)
            self._prefixes += [(text_key(name), option) for name in (*parts, option.name_en)]
        self.order = {option.code: position for position, option in enumerate(self.options)}

    def code_for(self, text: Any) -> str:
        """Return the code `text` names.

        Raises
        ------
        RowError
            ``row.unknown_choice`` or ``row.ambiguous_choice``.
        """
        key = text_key(text)
        if key in self._exact:
            return self._exact[key]
        stem = re.sub(r"(证书|证)$", "", _BRACKETS.sub("", key))
        if len(stem) >= 2:
            found = list({o.code: o for name, o in self._prefixes
                          if name.startswith(stem)}.values())
            if len(found) == 1:
                return found[0].code
            if len(found) > 1:
                raise RowError(
                    "row.ambiguous_choice", text=shown_value(text),
                    options="、".join(o.name_zh for o in found[:6]),
                )
        raise RowError("row.unknown_choice", text=shown_value(text),
                             example=self.options[0].name_zh if self.options else "")

    def codes_for(self, text: Any) -> list[str]:
        """Return the codes a list cell names, in the list's order, without repeats."""
        codes = set()
        for item in split_list(text):
            try:
                codes.add(self.code_for(item))
            except RowError:
                pieces = [p for p in ITEM_SEPARATORS.split(item) if p]
                if len(pieces) < 2:
                    raise
                codes.update(self.code_for(piece) for piece in pieces)
        return sorted(codes, key=self.order.__getitem__)


# What people call certificates, besides the names in seed_data/certificates.csv.
CERTIFICATE_ALIASES = {
    "forklift": ("叉车证", "叉车操作证", "叉车驾驶证"),
    "electrician": ("电工证", "低压电工证", "电工操作证"),
    "welder": ("焊工证", "电焊证", "电焊工证"),
    "driving_c1": ("C1", "C1驾照", "驾照C1", "C1驾驶证", "小车驾照"),
    "driving_b2": ("B2", "B2驾照", "驾照B2", "B2驾驶证"),
    "driving_a2": ("A2", "A2驾照", "驾照A2", "A2驾驶证"),
    "chef": ("厨师证", "烹调师证"),
    "security_guard": ("保安证",),
    "health_cert": ("健康证明",),
    "work_at_height": ("登高证", "高空作业证"),
    "care_worker": ("护理员证", "护工证", "养老护理证"),
    "hairdresser": ("美发证",),
}


def split_list(text: Any) -> list[str]:
    """The items of a list cell (separated by 、 , ; | or new lines)."""
    return [part.strip() for part in _LIST_SEPARATORS.split(normalize_text(text))
            if part.strip()]


@dataclass(frozen=True)
class Reference:
    """The lists list columns accept (categories, certificates, work environments), in
    the order the survey form offers them."""

    categories: Sequence[Option]
    certificates: Sequence[Option]
    environments: Sequence[Option]

    @classmethod
    def from_database(cls) -> Reference:
        """Read the reference tables in the order the survey form lists them (see
        app.bureau.forms.survey_choices), so imported lists are stored as the form
        stores them."""
        def options(query, key):
            return tuple(Option(getattr(r, key), r.name_zh, r.name_en)
                         for r in db.session.scalars(query))

        return cls(
            categories=options(sa.select(JobCategory).order_by(JobCategory.position), "code"),
            certificates=tuple(
                Option(o.code, o.name_zh, o.name_en, CERTIFICATE_ALIASES.get(o.code, ()))
                for o in options(sa.select(Certificate).order_by(Certificate.code), "code")
            ),
            environments=options(sa.select(Environment).order_by(Environment.tag), "tag"),
        )


def shown_value(value: Any) -> str:
    """The cell as the user wrote it, for messages."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_MISSING = object()


_MEMO_LIMIT = 200_000


@dataclass
class RowReader:
    """Collects one row's answers and problems while its cells are read.

    ``memo`` is the parser's: spreadsheets repeat the same few values down a column
    (districts, categories, 是/否, pay written alike), so each distinct value is read once.
    """

    cells: Mapping[str, Any]
    memo: dict = field(default_factory=dict)
    problems: list[tuple[str, ValueParseError]] = field(default_factory=list)
    #: the kind's error class, whose catalog words the problems `problem` records
    error_type: type[RowError] = RowError

    def value(self, key: str) -> Any:
        value = self.cells.get(key)
        return None if is_blank(value) else value

    def read(self, key: str, reader, default=None):
        value = self.value(key)
        if value is None:
            return default
        slot = (reader, type(value), value)
        try:
            result, error = self.memo.get(slot, (_MISSING, None))
        except TypeError:  # an unhashable cell value: read it every time
            slot, result, error = None, _MISSING, None
        if result is _MISSING and error is None:
            try:
                result, error = reader(value), None
            except ValueParseError as problem:
                result, error = None, problem
            if slot is not None:
                if len(self.memo) > _MEMO_LIMIT:
                    self.memo.clear()
                self.memo[slot] = (result, error)
        if error is not None:
            self.problems.append((key, error))
            return default
        if isinstance(result, list):  # the caller may keep it: never hand out the memo's
            return [dict(item) if isinstance(item, dict) else item for item in result]
        return result

    def problem(self, key: str, message_key: str, **params) -> None:
        self.problems.append((key, self.error_type(message_key, **params)))
