"""The job-intention questionnaire (就业意向调查表) and the survey form built from it.

The questionnaire is data: ``seed_data/questionnaire/v<N>.json`` holds each version's
sections and questions with Chinese and English labels. `build_survey_form` turns a
version into a WTForms form class at run time, `form_to_answers` turns a filled form into
the canonical answers dict (question id → plain JSON value) that a survey stores, and
`answers_for_version` reads answers stored under any version against any other, so a new
version never breaks an old survey.
"""

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from surveys.values import ValueParseError, parse_date

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "seed_data" / "questionnaire"

QUESTION_TYPES = frozenset(
    {"ranked_choice", "integer", "single_choice", "multi_choice", "boolean", "text", "date",
     "rows"}
)
_CHOICE_TYPES = frozenset({"ranked_choice", "single_choice", "multi_choice"})
_QUESTION_KEYS = frozenset(
    {"id", "type", "label", "help", "required", "choices_from", "choices", "min", "max",
     "max_length", "default", "audience", "hard_filter", "at_least", "rank_labels", "columns"}
)
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]


def localized(texts: Mapping[str, str], locale: str) -> str:
    """Return the English text for an English locale, else the Chinese (the default)."""
    language = "en" if str(locale).lower().startswith("en") else "zh"
    return texts.get(language) or texts.get("zh", "")


@dataclass(frozen=True)
class Choice:
    """One inline answer option of a question."""

    value: str | int
    label: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    """One question of a questionnaire version; `id` is the key its answer is stored under.

    ``min``/``max`` bound an integer answer; for a ranked choice ``max`` is the number of
    ranks and for rows the number of rows. ``choices_from`` names a list the caller passes
    to `build_survey_form` (read from the database); otherwise ``choices`` are inline.
    """

    id: str
    type: str
    label: Mapping[str, str]
    help: Mapping[str, str]
    required: bool = False
    choices_from: str | None = None
    choices: tuple[Choice, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    default: Any = None
    audience: str = "all"
    hard_filter: bool = False
    at_least: str | None = None
    rank_labels: tuple[Mapping[str, str], ...] = ()
    columns: tuple["Question", ...] = ()

    @property
    def bureau_only(self) -> bool:
        """Whether only bureau staff may see the answer (never employers)."""
        return self.audience == "bureau_only"


@dataclass(frozen=True)
class Section:
    id: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    """One version of the job-intention questionnaire."""

    version: int
    title: Mapping[str, str]
    blank_choice: Mapping[str, str]
    sections: tuple[Section, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


# --- loading ------------------------------------------------------------------------------


def questionnaire_versions(directory: Path = QUESTIONNAIRE_DIR) -> list[int]:
    """List the questionnaire versions defined in `directory`, oldest first."""
    versions = []
    for path in Path(directory).glob("v*.json"):
        if path.stem[1:].isdigit():
            versions.append(int(path.stem[1:]))
    return sorted(versions)


def load_questionnaire(
    version: int | None = None, directory: Path = QUESTIONNAIRE_DIR
) -> Questionnaire:
    """Load one questionnaire version, the latest when `version` is None."""
    available = questionnaire_versions(directory)
    if not available:
        raise LookupError(f"no questionnaire definitions in {directory}")
    if version is None:
        version = available[-1]
    if version not in available:
        raise LookupError(f"no questionnaire version {version}; available: {available}")
    path = Path(directory) / f"v{version}.json"
    return _parse_file(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _parse_file(path: Path, mtime_ns: int) -> Questionnaire:
    # mtime_ns is part of the cache key so that an edited definition is read again.
    raw = json.loads(path.read_text(encoding="utf-8"))
    questionnaire = _parse_questionnaire(raw)
    if f"v{questionnaire.version}" != path.stem:
        raise ValueError(f"{path.name} declares version {questionnaire.version}")
    return questionnaire


def _parse_questionnaire(raw: Mapping[str, Any]) -> Questionnaire:
    sections = tuple(
        Section(
            id=s["id"],
            title=s["title"],
            questions=tuple(_parse_question(q) for q in s["questions"]),
        )
        for s in raw["sections"]
    )
    questionnaire = Questionnaire(
        version=int(raw["version"]),
        title=raw.get("title", {}),
        blank_choice=raw.get("blank_choice", {"zh": "", "en": ""}),
        sections=sections,
    )
    _check_questionnaire(questionnaire)
    return questionnaire


def _parse_question(raw: Mapping[str, Any]) -> Question:
    unknown = set(raw) - _QUESTION_KEYS
    if unknown:
        raise ValueError(f"question {raw.get('id')!r}: unknown keys {sorted(unknown)}")
    question = Question(
        id=raw["id"],
        type=raw["type"],
        label=raw["label"],
        help=raw.get("help", {}),
        required=bool(raw.get("required", False)),
        choices_from=raw.get("choices_from"),
        choices=tuple(Choice(c["value"], c["label"]) for c in raw.get("choices", ())),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
        default=raw.get("default"),
        audience=raw.get("audience", "all"),
        hard_filter=bool(raw.get("hard_filter", False)),
        at_least=raw.get("at_least"),
        rank_labels=tuple(raw.get("rank_labels", ())),
        columns=tuple(_parse_question(c) for c in raw.get("columns", ())),
    )
    _check_question(question)
    return question


def _check_question(q: Question) -> None:
    def fail(problem: str) -> None:
        raise ValueError(f"question {q.id!r}: {problem}")

    if q.type not in QUESTION_TYPES:
        fail(f"unknown type {q.type!r}")
    if q.type in _CHOICE_TYPES and bool(q.choices_from) == bool(q.choices):
        fail("needs either choices_from or inline choices")
    if q.type == "integer" and (q.min is None or q.max is None):
        fail("an integer question needs min and max")
    if q.type == "ranked_choice" and (not q.max or len(q.rank_labels) != q.max):
        fail("a ranked choice needs max and one rank label per rank")
    if q.type == "rows" and (not q.max or not q.columns):
        fail("rows need max and columns")
    if any(c.type not in ("single_choice", "integer") for c in q.columns):
        fail("row columns must be single choices or integers")
    try:
        _coerce_answer(q, q.default)
    except _InvalidAnswer:
        fail(f"invalid default {q.default!r}")


def _check_questionnaire(questionnaire: Questionnaire) -> None:
    seen: dict[str, Question] = {}
    for q in questionnaire.questions:
        if q.id in seen:
            raise ValueError(f"question id {q.id!r} is used twice")
        if q.at_least and getattr(seen.get(q.at_least), "type", None) != "integer":
            raise ValueError(f"question {q.id!r}: at_least must name an earlier integer")
        seen[q.id] = q
    names = [name for q in questionnaire.questions for name in _field_names(q)]
    if len(set(names)) != len(names):
        raise ValueError("two questions would get the same form field name")


def _field_names(question: Question) -> list[str]:
    if question.type == "ranked_choice":
        return [f"{question.id}_{rank}" for rank in range(1, question.max + 1)]
    return [question.id]


# --- reading stored answers ----------------------------------------------------------------


class _InvalidAnswer(ValueError):
    pass


def answers_for_version(answers: Mapping[str, Any] | None, questionnaire: Questionnaire) -> dict:
    """Read answers stored under any version as answers to `questionnaire`.

    Ids the questionnaire doesn't ask are ignored; questions without a usable stored answer
    get the definition's default (or an empty answer). Choices are checked only where the
    definition lists them inline; codes from the database are checked by the form.
    """
    answers = answers or {}
    result = {}
    for question in questionnaire.questions:
        try:
            result[question.id] = _coerce_answer(question, answers.get(question.id))
        except _InvalidAnswer:
            result[question.id] = _coerce_answer(question, question.default)
    return result


def _coerce_answer(q: Question, value: Any) -> Any:
    """Return `value` as the canonical JSON answer to `q`; None means "use the default"."""
    if value is None:
        if q.default is not None:
            return _coerce_answer(q, q.default)
        return {"ranked_choice": [], "multi_choice": [], "rows": [], "boolean": False,
                "text": ""}.get(q.type)
    match q.type:
        case "ranked_choice":
            return _codes(value)[: q.max]
        case "multi_choice":
            codes = _codes(value)
            if q.choices:
                allowed = {str(c.value) for c in q.choices}
                codes = [c for c in codes if c in allowed]
            return codes
        case "single_choice":
            if q.choices:
                for choice in q.choices:
                    if str(choice.value) == str(value):
                        return choice.value
                raise _InvalidAnswer(value)
            if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
                raise _InvalidAnswer(value)
            return str(value)
        case "integer":
            return _integer(value)
        case "boolean":
            if not isinstance(value, bool | int):
                raise _InvalidAnswer(value)
            return bool(value)
        case "text":
            if not isinstance(value, str):
                raise _InvalidAnswer(value)
            return value.strip()
        case "date":
            if isinstance(value, date):
                return value.isoformat()
            try:
                return date.fromisoformat(str(value)).isoformat()
            except ValueError as exc:
                raise _InvalidAnswer(value) from exc
        case "rows":
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise _InvalidAnswer(value)
            rows = []
            for raw_row in value:
                if not isinstance(raw_row, Mapping):
                    continue
                row = {}
                for column in q.columns:
                    try:
                        row[column.id] = _coerce_answer(column, raw_row.get(column.id))
                    except _InvalidAnswer:
                        row[column.id] = None
                if any(v is not None for v in row.values()):
                    rows.append(row)
            return rows[: q.max]
    raise _InvalidAnswer(value)


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence):
        raise _InvalidAnswer(value)
    codes = [str(v) for v in value if isinstance(v, str | int) and str(v)]
    return list(dict.fromkeys(codes))


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _InvalidAnswer(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise _InvalidAnswer(value)


# --- fields and validators -----------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _BlankIsNoneMixin:
    """Let an empty or all-space input mean "no answer" instead of an invalid value."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        if valuelist:
            valuelist = [str(valuelist[0]).strip()]
        super().process_formdata(valuelist)


class WholeNumberField(_BlankIsNoneMixin, IntegerField):
    """An integer input where blank means unanswered."""


class OptionalDateField(Field):
    """A date typed as text, read like paper forms write it; blank means unanswered.

    Accepts what surveys.values.parse_date reads: 2026-07-15, 2026/7/15, 2026.7 (the
    first of the month), 2026年7月15日 …; a plain text input is faster to fill by
    keyboard than a browser's date picker.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, format=None,  # noqa: A002
                 invalid_value_message=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "2026-07-15", "inputmode": "numeric",
                                        "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.invalid_value_message = invalid_value_message

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_date(str(valuelist[0]))
        except ValueParseError:
            self.data = None
            raise ValueError(self.invalid_value_message or "Invalid date") from None


class _Presence:
    """Stop validating a blank answer: with an error when the question is required."""

    def __init__(self, required: bool, message=None):
        self.required = required
        self.message = message or _l("This question needs an answer.")
        self.field_flags = {"required": True} if required else {}

    def __call__(self, form, field):
        if field.data not in (None, "", [], ()):
            return
        if self.required and not field.process_errors:
            raise StopValidation(self.message)
        raise StopValidation()


class _AtLeast:
    """The answer must not be lower than another integer answer."""

    def __init__(self, other_id: str, other_label: str):
        self.other_id = other_id
        self.other_label = other_label

    def __call__(self, form, field):
        other = form[self.other_id].data
        if other is not None and field.data is not None and field.data < other:
            raise ValidationError(
                _l(
                    "This cannot be lower than “%(other)s” (%(value)s): raise it, or lower"
                    " that answer.",
                    other=self.other_label,
                    value=other,
                )
            )


class _RankedChoice:
    """A later choice needs every earlier choice filled and must differ from them."""

    def __init__(self, earlier_names: Sequence[str]):
        self.earlier_names = tuple(earlier_names)

    def __call__(self, form, field):
        if field.data is None:
            return
        earlier = [form[name].data for name in self.earlier_names]
        if None in earlier:
            raise ValidationError(_l("Fill in the earlier choice first, or move this one up."))
        if field.data in earlier:
            raise ValidationError(_l("Choose a different category for each choice."))


class _RowComplete:
    """In a row with any answer, every column needs an answer."""

    def __call__(self, form, field):
        if field.data is not None:
            return
        if any(other.data is not None for other in form if other is not field):
            raise ValidationError(_l("Fill this in too, or clear the whole row."))


def _options(q: Question, choices: Mapping[str, Sequence], locale: str) -> list[SelectChoice]:
    if q.choices_from:
        if q.choices_from not in choices:
            raise KeyError(f"question {q.id!r} needs choices[{q.choices_from!r}]")
        return [SelectChoice(value=str(value), label=str(label))
                for value, label in choices[q.choices_from]]
    return [SelectChoice(value=str(c.value), label=localized(c.label, locale))
            for c in q.choices]


def _coerce_for(q: Question):
    """Return a coerce function for a select: blank is None, inline int values stay ints."""
    as_int = bool(q.choices) and all(isinstance(c.value, int) for c in q.choices)

    def coerce(value):
        if value is None or value == "":
            return None
        return int(value) if as_int else str(value)

    return coerce


def _select_field(q, label, description, options, blank, default, validators):
    return SelectField(
        label,
        description=description,
        choices=[SelectChoice(value="", label=blank), *options],
        coerce=_coerce_for(q),
        default=default,
        validators=validators,
        invalid_choice_message=_l("Choose one of the options in the list."),
    )


def _integer_field(q, label, description, default, validators):
    return WholeNumberField(
        label,
        description=description,
        default=default,
        validators=[
            *validators,
            NumberRange(q.min, q.max, message=_l("Enter a whole number from %(min)s to %(max)s.")),
        ],
        invalid_value_message=_l("Enter a whole number using digits only, without units."),
    )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _unbound_fields(q, questionnaire, choices, locale, answer):
    """Return (field name, unbound field) pairs asking `q`, pre-filled with `answer`."""
    label = localized(q.label, locale)
    description = localized(q.help, locale)
    blank = localized(questionnaire.blank_choice, locale)
    presence = _Presence(q.required)
    match q.type:
        case "ranked_choice":
            options = _options(q, choices, locale)
            names = _field_names(q)
            fields = []
            for rank, name in enumerate(names):
                validators = (
                    [_Presence(q.required, _l("Choose at least the first choice."))]
                    if rank == 0
                    else [_RankedChoice(names[:rank])]
                )
                fields.append((name, _select_field(
                    q, localized(q.rank_labels[rank], locale),
                    description if rank == 0 else "", options, blank,
                    answer[rank] if rank < len(answer) else None, validators,
                )))
            return fields
        case "single_choice":
            return [(q.id, _select_field(
                q, label, description, _options(q, choices, locale), blank, answer, [presence]
            ))]
        case "multi_choice":
            return [(q.id, MultiCheckboxField(
                label,
                description=description,
                choices=_options(q, choices, locale),
                default=list(answer),
                validators=[presence],
                invalid_choice_message=_l("“%(value)s” is not in the list; tick listed options."),
            ))]
        case "integer":
            validators = [presence]
            if q.at_least:
                other = questionnaire.question(q.at_least)
                validators.append(_AtLeast(other.id, localized(other.label, locale)))
            return [(q.id, _integer_field(q, label, description, answer, validators))]
        case "boolean":
            return [(q.id, BooleanField(label, description=description, default=answer))]
        case "text":
            validators = [presence]
            if q.max_length:
                validators.append(Length(
                    max=q.max_length, message=_l("Shorten this to %(max)d characters or fewer.")
                ))
            return [(q.id, TextAreaField(
                label, description=description, default=answer, filters=[_strip],
                validators=validators,
            ))]
        case "date":
            return [(q.id, OptionalDateField(
                label,
                description=description,
                default=date.fromisoformat(answer) if answer else None,
                format=_DATE_FORMATS,
                validators=[presence],
                invalid_value_message=_l(
                    "Enter the date as year-month-day, for example 2026-07-15."
                ),
            ))]
        case "rows":
            row_attrs = {}
            for column in q.columns:
                column_label = localized(column.label, locale)
                validators = [_RowComplete(), _Presence(False)]
                if column.type == "integer":
                    row_attrs[column.id] = _integer_field(
                        column, column_label, "", None, validators
                    )
                else:
                    row_attrs[column.id] = _select_field(
                        column, column_label, "", _options(column, choices, locale), blank,
                        None, validators,
                    )
            # Rows are always plain forms: a CSRF token belongs to the outer form only.
            row_form = type("SurveyRowForm", (Form,), row_attrs)
            return [(q.id, FieldList(
                FormField(row_form), label, description=description,
                min_entries=q.max, max_entries=q.max, default=tuple(answer),
            ))]
    raise ValueError(f"question {q.id!r}: unknown type {q.type!r}")


# --- the survey form ----------------------------------------------------------------------


def build_survey_form(
    questionnaire: Questionnaire,
    choices: Mapping[str, Sequence[tuple[Any, str]]],
    locale: str = "zh_CN",
    previous: Mapping[str, Any] | None = None,
    base: type = Form,
) -> type:
    """Build a form class asking every question of `questionnaire`.

    Parameters
    ----------
    choices
        For each ``choices_from`` name in the definition (categories, districts,
        certificates, environments), the (value, label) pairs to offer, labels already in
        the caller's locale.
    locale
        Picks the definition's labels and help texts: English for ``en*``, else Chinese.
    previous
        Answers of the seeker's last survey (of any version); they pre-fill the form so a
        re-survey starts from them. Without them the definition's defaults apply.
    base
        The form base class, e.g. ``flask_wtf.FlaskForm`` for CSRF protection.

    A ranked question becomes one select per rank, named ``<id>_1``, ``<id>_2``, …; every
    other question one field named by its id. The class carries ``questionnaire``,
    ``survey_locale`` and ``question_fields`` (question id → field names).
    """
    prefill = answers_for_version(previous, questionnaire)
    attrs: dict[str, Any] = {
        "questionnaire": questionnaire,
        "survey_locale": locale,
    }
    question_fields = {}
    for question in questionnaire.questions:
        fields = _unbound_fields(question, questionnaire, choices, locale, prefill[question.id])
        for name, _field in fields:
            if hasattr(base, name) or name in attrs:
                raise ValueError(f"question {question.id!r}: field name {name!r} is taken")
        attrs.update(fields)
        question_fields[question.id] = tuple(name for name, _field in fields)
    attrs["question_fields"] = question_fields
    return type("SurveyForm", (base,), attrs)


def iter_form_sections(form) -> Iterator[tuple[str, list[tuple[Question, list]]]]:
    """Yield each section's title with its questions and their bound fields, for templates."""
    for section in form.questionnaire.sections:
        yield (
            localized(section.title, form.survey_locale),
            [(q, [form[name] for name in form.question_fields[q.id]]) for q in section.questions],
        )


def form_to_answers(form) -> dict:
    """Return a validated survey form's canonical answers: question id → JSON value.

    Ranked categories become a list (most wanted first), multi-selects lists in the order
    of their options, dates ISO strings, rows a list of dicts; unanswered is None, an empty
    list, "" or False depending on the type.
    """
    answers = {}
    for question in form.questionnaire.questions:
        fields = [form[name] for name in form.question_fields[question.id]]
        answers[question.id] = _field_answer(question, fields)
    return answers


def _field_answer(question: Question, fields: list) -> Any:
    field = fields[0]
    match question.type:
        case "ranked_choice":
            return [f.data for f in fields if f.data is not None]
        case "multi_choice":
            ticked = set(field.data or ())
            return [c.value for c in field.choices if c.value in ticked]
        case "boolean":
            return bool(field.data)
        case "text":
            return field.data or ""
        case "date":
            return field.data.isoformat() if field.data else None
        case "rows":
            rows = []
            for entry in field.entries:
                row = {column.id: entry.form[column.id].data for column in question.columns}
                if any(v is not None for v in row.values()):
                    rows.append(row)
            return rows
    return field.data
