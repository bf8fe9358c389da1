"""Rendered "my options" cards, kept by each worker for a while.

Drawing a card (facts, booth, pay, worded reasons, the interest button) is most of the
work of the kiosk's busiest page, and a card drawn once reads the same for anyone with
the same card. So each worker keeps the HTML of the cards it drew, keyed by the
language and by everything the card shows: a card is reused only where it is identical,
and any change of what it shows (an interest marked, an opening edited, a new plan's
reasons) is a different key. No visitor's name is on a card. The one part that differs
per visitor, the form's CSRF token, is put in as the card is served, never kept.
"""

import time

from flask import current_app, request
from markupsafe import Markup

from app.i18n import locale_code
from app.kiosk.operations import OptionCard
from app.memo import KeptForAWhile

# where a card's CSRF token goes; card text is HTML-escaped, so no text can look like it
CSRF_SLOT = Markup("<csrf-token>")


class CardCache:
    """HTML of option cards by (language, script root, card), kept for `seconds` (the
    reference names in worded reasons can be reloaded while the server runs) and while
    fewer than `size` cards are held."""

    def __init__(self, seconds: float = 300, size: int = 2048, clock=time.monotonic):
        self._kept = KeptForAWhile(seconds, size, clock)

    def card(self, draw, option: OptionCard, csrf_token: str,
             place: tuple | None = None) -> Markup:
        """The card of `option` drawn by the template macro `draw(option, csrf_token)`,
        with this visitor's `csrf_token` in its form. `place`: the language and script
        root it is drawn for (by default the request's)."""
        if place is None:
            place = page_place()
        key = (place, option.opening_id, option.title, option.employer, option.booth,
               option.district, option.pay_min, option.pay_max, option.pay_months,
               option.pay_period, option.shift.value,
               option.accommodation, option.interested, option.reasons_json)
        html = self._kept.get(key, lambda: draw(option, CSRF_SLOT))
        return html.replace(CSRF_SLOT, csrf_token)  # Markup escapes the token


def page_place() -> tuple[str, str]:
    """What a card's links and words depend on besides the card: language, script root."""
    return locale_code(), request.script_root


def card_drawer(draw, csrf_token: str):
    """Template helper: a function giving the card of an option, from this worker's
    cards if drawn before, else drawn by the macro `draw`, with `csrf_token` in its form."""
    cache, place = current_app.extensions["qibu_kiosk_cards"], page_place()
    return lambda option: cache.card(draw, option, csrf_token, place)


def init_app(app) -> None:
    app.extensions["qibu_kiosk_cards"] = CardCache()
