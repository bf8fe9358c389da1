"""Text that users type reaches Qibu without control characters.

Every value of a submitted form, and of a query string, passes through
`surveys.values.clean_text` as the request parses it, before any form, view or operation
sees it: NUL (which PostgreSQL refuses), BEL, ESC, the bidirectional overrides that make a
name read backwards and the other control characters are removed; tabs and newlines stay.
Cleaning where the text enters, rather than in each form class, covers the WTForms forms
and their nested row forms, the views that read ``request.form`` themselves and every form
added later. Uploaded files are not form values and are left as they are: an import cleans
the text it reads from them. The JSON API only reads.

Some characters are refused outright rather than cleaned (`refuse_control_characters`,
run before every other check of a request), with the ordinary "Bad request" page: in the
path and the query string, every control character, newline and tab included (no link
Qibu makes holds one, and a newline in a redirect target is how a header is split); in a
form body, the control characters a keyboard cannot type: all below space except tab,
newline and carriage return (a textarea sends those), and DEL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from flask import Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from surveys.values import clean_text

# every C0 and C1 control character and DEL: none belongs in an address
ADDRESS_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f]")
# what no keyboard types into a form (a textarea sends tab, CR and LF)
FORM_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cleaned(value: Any) -> Any:
    return clean_text(value)[0] if isinstance(value, str) else value


class CleanedValues(ImmutableMultiDict):
    """The submitted values (``request.form``, ``request.args``) with their text cleaned."""

    # set when a key or value held a character no keyboard types (FORM_REFUSED)
    refused = False

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        items = list(iter_multi_items(mapping))
        self.refused = any(isinstance(text, str) and FORM_REFUSED.search(text) is not None
                           for item in items for text in item)
        super().__init__([(key, _cleaned(value)) for key, value in items])


class TypedTextRequest(Request):
    """A request whose form and query values hold no control characters."""

    parameter_storage_class = CleanedValues


def refuse_control_characters():
    """Answer 400 when the path, the query string or a form value holds a refused
    control character (see the module's docstring), before anything reads them."""
    query = unquote(request.query_string.decode("utf-8", "replace"), errors="replace")
    if ADDRESS_REFUSED.search(request.path) or ADDRESS_REFUSED.search(query):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and getattr(request.form, "refused", False):
        abort(400)


def init_app(app):
    # first of all the checks: the CSRF check and the access rules read the request too
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
