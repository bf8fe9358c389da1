"""Text that users type reaches Qibu without control characters.

Every value of a submitted form, and of a query string, passes through
`surveys.values.clean_text` as the request parses it, before any form, view or operation
sees it: NUL (which PostgreSQL refuses), BEL, ESC, the bidirectional overrides that make a
name read backwards and the other control characters are removed; tabs and newlines stay.
Cleaning where the text enters, rather than in each form class, covers the WTForms forms
and their nested row forms, the views that read ``request.form`` themselves and every form
added later. Uploaded files are not form values and are left as they are: an import cleans
the text it reads from them. The JSON API only reads.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from surveys.values import clean_text


def _cleaned(value: Any) -> Any:
    return clean_text(value)[0] if isinstance(value, str) else value


class CleanedValues(ImmutableMultiDict):
    """The submitted values (``request.form``, ``request.args``) with their text cleaned."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
        else:
            super().__init__([(key, _cleaned(value))
                              for key, value in iter_multi_items(mapping)])


class TypedTextRequest(Request):
    """A request whose form and query values hold no control characters."""

    parameter_storage_class = CleanedValues
