"""How an opening is named wherever a person picks or reads one: title, district, base pay,
shift and a short opening code, so the same title twice at one employer is never ambiguous.

The opening code is derived from the opening's id (nothing stored): three characters, or
more past 29,790 openings, from an alphabet without 0/O and 1/I/L, then a check character
that catches one mistyped character and two neighbours swapped before it. The id is
scrambled within the code's length, so openings posted one after another (ids 1, 2, 3 →
Q4QV, YC6Z, 8KM3) differ in more than one character and are not mixed up when read aloud.

Templates use the `opening_label` macro of _macros.html (which reads `opening_facts`);
form choices and PDFs use `opening_label` and `opening_facts` here.
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from app.labels import district_name
from app.pay import opening_pay
from app.reasons import SHIFT_NAMES

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes
_BASE = len(CODE_ALPHABET)  # 31, a prime: the weighted check sum catches every slip
_SHORTEST = 3  # characters before the check character
_SCRAMBLE = 7919  # coprime with 31: a one-to-one shuffle of the codes of each length
_SHIFT = 12345
SEPARATOR = " · "


def _width(opening_id: int) -> int:
    width = _SHORTEST
    while opening_id >= _BASE ** width:
        width += 1
    return width


def _check_character(digits: list[int]) -> str:
    return CODE_ALPHABET[sum((place + 1) * d for place, d in enumerate(digits)) % _BASE]


def opening_code(opening_id: int) -> str:
    """The opening's short code, e.g. 'J7K2' (stable: derived from the id)."""
    width = _width(opening_id)
    value = (opening_id * _SCRAMBLE + _SHIFT) % _BASE ** width
    digits = []
    for _place in range(width):
        value, digit = divmod(value, _BASE)
        digits.append(digit)
    digits.reverse()
    return "".join(CODE_ALPHABET[d] for d in digits) + _check_character(digits)


def opening_id_from_code(text: str) -> int | None:
    """The opening id a typed code names, or None when it is not a valid opening code.

    Case, spaces and dashes do not matter; a code with a wrong check character (a typing
    slip) names nothing rather than another opening.
    """
    code = "".join((text or "").split()).replace("-", "").upper()
    if len(code) <= _SHORTEST or any(ch not in CODE_ALPHABET for ch in code):
        return None
    digits = [CODE_ALPHABET.index(ch) for ch in code[:-1]]
    if _check_character(digits) != code[-1]:
        return None
    value = 0
    for digit in digits:
        value = value * _BASE + digit
    size = _BASE ** len(digits)
    opening_id = (value - _SHIFT) * pow(_SCRAMBLE, -1, size) % size
    if opening_id == 0 or _width(opening_id) != len(digits):
        return None
    return opening_id


@dataclass(frozen=True)
class OpeningFacts:
    """The parts of an opening's label, worded in the current language."""

    title: str
    district: str
    pay: str
    shift: str
    code: str

    @property
    def code_text(self) -> str:
        return _("opening no. %(number)s", number=self.code)

    @property
    def details(self) -> str:
        """Everything but the title (for layouts that print the title as a heading)."""
        return SEPARATOR.join((self.district, self.pay, self.shift, self.code_text))

    @property
    def label(self) -> str:
        return SEPARATOR.join((self.title, self.details))


def opening_facts(opening) -> OpeningFacts:
    """The label's parts of `opening` (an Opening, or anything with its id, title, district,
    pay and shift, such as a kiosk card)."""
    return OpeningFacts(
        title=opening.title,
        district=district_name(opening.district),
        pay=opening_pay(opening),
        shift=str(SHIFT_NAMES[opening.shift.value]),
        code=opening_code(opening.id),
    )


class OpeningFactsWording:
    """`opening_facts` for many openings of one page: each district, pay and shift is
    worded once (translation lookups per opening cost seconds at thousands of them)."""

    def __init__(self):
        self._districts: dict = {}
        self._pay: dict = {}
        self._shifts: dict = {}

    def facts(self, opening) -> OpeningFacts:
        district = self._districts.get(opening.district)
        if district is None:
            district = self._districts[opening.district] = district_name(opening.district)
        pay_key = (opening.pay_min, opening.pay_max, opening.pay_months, opening.pay_period)
        pay = self._pay.get(pay_key)
        if pay is None:
            pay = self._pay[pay_key] = opening_pay(opening)
        shift = self._shifts.get(opening.shift)
        if shift is None:
            shift = self._shifts[opening.shift] = str(SHIFT_NAMES[opening.shift.value])
        return OpeningFacts(title=opening.title, district=district, pay=pay, shift=shift,
                            code=opening_code(opening.id))


def opening_label(opening) -> str:
    """'title · district · base pay · shift · opening no. CODE', for form choices and PDFs."""
    return opening_facts(opening).label


def init_app(app) -> None:
    app.jinja_env.globals.update(opening_facts=opening_facts, opening_code=opening_code)
