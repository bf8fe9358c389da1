"""The one rule for where a `next` parameter (or the page one came from) may lead.

Every redirect to a place a request names goes through `safe_next`: the login page, the
second-factor step, the password re-entry before exports and the language switch. Only a
path on this site passes: it starts with one "/" and holds no backslash, no control
character and no scheme or host. Browsers read "//host", "/\\host" and "https:host" as
another site, and drop tabs and newlines from a URL before reading it ("/\\t/host"),
so each of these is refused rather than repaired.
"""

import re
from urllib.parse import urlsplit

# C0 and C1 control characters and DEL
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None."""
    if not target or not isinstance(target, str):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or _CONTROL.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def path_of_same_origin(url: str | None, host: str) -> str | None:
    """The path (and query) of `url` when it is an address on `host`, else None: for the
    Referer header, which browsers send as a full address."""
    if not url or _CONTROL.search(url) or "\\" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return None
    path = parts.path or "/"
    return safe_next(f"{path}?{parts.query}" if parts.query else path)
