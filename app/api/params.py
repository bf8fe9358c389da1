"""Query and path parameters of the API, defined once: parsed strictly, and documented.

The same definitions validate a request and write the OpenAPI document, so what the
document promises is what the API accepts: a value outside it is answered with 400.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass


class BadParameter(Exception):
    """A query parameter that does not follow the API's document (answered with 400)."""


@dataclass(frozen=True)
class Param:
    """One query parameter: its JSON Schema type, bounds or pattern, and its default."""

    name: str
    kind: str  # "integer", "string" or "boolean"
    description: str
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None  # anchored with ^ and $, as the document shows it
    enum: tuple[str, ...] | None = None
    default: int | str | bool | None = None

    def schema(self) -> dict:
        """The parameter's JSON Schema."""
        schema: dict = {"type": self.kind}
        for key in ("minimum", "maximum", "pattern", "enum", "default"):
            value = getattr(self, key)
            if value is not None:
                schema[key] = list(value) if key == "enum" else value
        return schema

    def document(self, location: str = "query") -> dict:
        """The parameter's OpenAPI object."""
        return {"name": self.name, "in": location, "required": location == "path",
                "description": self.description, "schema": self.schema()}

    def parse(self, raw: str):
        """The value of `raw`, or BadParameter when the document does not allow it."""
        if self.kind == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", raw):
                raise BadParameter(f"{self.name} must be a whole number.")
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or \
                    (self.maximum is not None and value > self.maximum):
                raise BadParameter(f"{self.name} must be from {self.minimum} to {self.maximum}.")
            return value
        if self.kind == "boolean":
            if raw not in ("true", "false"):
                raise BadParameter(f"{self.name} must be true or false.")
            return raw == "true"
        if self.enum is not None and raw not in self.enum:
            raise BadParameter(f"{self.name} must be one of {', '.join(self.enum)}.")
        # fullmatch: JSON Schema's $ does not match before a final newline, Python's does
        if self.pattern is not None and not re.fullmatch(self.pattern.strip("^$"), raw):
            raise BadParameter(f"{self.name} must match {self.pattern}.")
        return raw


def parse_args(params: tuple[Param, ...], args: Mapping) -> dict:
    """Every declared parameter's value (its default when absent); an undeclared one is refused.

    Refusing what the document does not name means a misspelt filter (`categroy=`) is an
    error the client sees, not a silently unfiltered list.
    """
    unknown = sorted(set(args) - {param.name for param in params})
    if unknown:
        raise BadParameter(f"Unknown parameter {unknown[0]!r}; see /api/openapi.json.")
    values = {}
    for param in params:
        given = args.getlist(param.name)
        if len(given) > 1:
            raise BadParameter(f"Give {param.name} once.")
        values[param.name] = param.parse(given[0]) if given else param.default
    return values


FAIR_CODE = Param("fair_code", "string", "The fair's code, e.g. QP-2026-0626.",
                  pattern=r"^[A-Za-z0-9-]{3,32}$")
OPENING_ID = Param("opening_id", "integer", "The opening's id.", minimum=1,
                   maximum=2_147_483_647)

OPENING_FILTERS = (
    Param("category", "string", "Only openings of this job category (a code from "
          "/api/v1/categories).", pattern=r"^[a-z][a-z0-9_]{0,31}$"),
    Param("district", "string", "Only openings in this district (a six-digit adcode from "
          "/api/v1/districts).", pattern=r"^[0-9]{6}$"),
    Param("shift", "string", "Only openings with this shift pattern.",
          enum=("day", "night", "rotating")),
    Param("accommodation", "boolean", "Only openings that do (true) or do not (false) "
          "offer accommodation."),
    Param("min_pay", "integer", "Only openings whose base monthly pay is at least this "
          "amount in yuan: the bottom of the range reaches it (an opening that states no "
          "lowest pay never does).", minimum=0, maximum=1_000_000),
    Param("fair", "string", "Only openings offered at the fair with this code.",
          pattern=FAIR_CODE.pattern),
    Param("page", "integer", "The page, from 1.", minimum=1, maximum=100_000, default=1),
    Param("per_page", "integer", "Openings a page.", minimum=1, maximum=100, default=20),
)

PERIOD = Param("period", "string", "Only this half-year of release (e.g. 2026-H1: January to "
               "June; H2: July to December), one of those offered: the current half-year "
               "and the four before it.", pattern=r"^[0-9]{4}-H[12]$")
OUTCOME_FILTERS = (PERIOD,)
