"""The read-only JSON API: open openings and fair statistics for other systems.

Clients authenticate with a bearer token (`qibu api-token create NAME`); there are no
cookies and no sessions, so the blueprints are exempt from CSRF. Every view is `@public`
for the role-based access layer and checks the token itself. The API publishes job facts
and aggregates only: no seeker, no personal data of an employer's contact, no count of
people under 5 (app.reports.suppression.suppress_small_counts).

Messages in the API's JSON are in English: they are read by the programmers of client
systems, not by Qibu's users. The OpenAPI 3.1 document is at /api/openapi.json.
"""

from http import HTTPStatus

from flask import Blueprint, current_app, jsonify, request

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
v1 = Blueprint("v1", __name__, url_prefix="/v1")

MESSAGES = {
    400: "The request's parameters are not valid.",
    401: "Send a valid API token: 'Authorization: Bearer <token>'.",
    404: "There is no such resource.",
    405: "The API is read-only: use GET.",
    500: "Something went wrong on the server; nothing was changed.",
}


def is_api_request() -> bool:
    """Whether the current request is for the JSON API (so errors are answered in JSON)."""
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


def api_error(status: int, message: str | None = None):
    """A JSON error response: a stable code and a message for the client's programmer."""
    code = HTTPStatus(status)
    response = jsonify(error=code.name.lower(),
                       message=message or MESSAGES.get(status, code.description))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="qibu"'
    if status == 405:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        response.headers["Allow"] = ", ".join(sorted(adapter.allowed_methods()))
    return response


from app.api import routes, tokens  # noqa: E402  (the views register on the blueprints)

bp.register_blueprint(v1)
csrf.exempt(bp)
csrf.exempt(v1)

__all__ = ["api_error", "bp", "is_api_request", "routes", "tokens", "v1"]
