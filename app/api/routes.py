"""The API's views: read-only, JSON, token-checked (app.api.tokens) and `@public` for roles."""

from contextlib import suppress

from flask import jsonify, request

from app.api import api_error, bp, queries, v1
from app.api.openapi import openapi_document
from app.api.params import (
    FAIR_CODE,
    OPENING_FILTERS,
    OPENING_ID,
    OUTCOME_FILTERS,
    PERIOD,
    BadParameter,
    parse_args,
)
from app.auth.access import public
from app.clock import local_today
from app.reports.outcomes import outcome_periods


@v1.errorhandler(BadParameter)
def bad_parameter(error):
    return api_error(400, str(error))


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of the API (needs no token: it holds no data)."""
    return jsonify(openapi_document())


@v1.get("/openings")
@public
def openings():
    return jsonify(queries.open_openings(parse_args(OPENING_FILTERS, request.args)))


@v1.get("/openings/<int:opening_id>")
@public
def opening(opening_id):
    parse_args((), request.args)
    facts = None
    if opening_id <= OPENING_ID.maximum:
        facts = queries.open_opening(opening_id)
    return jsonify(facts) if facts is not None else api_error(404)


@v1.get("/categories")
@public
def categories():
    parse_args((), request.args)
    return jsonify(items=queries.category_list())


@v1.get("/districts")
@public
def districts():
    parse_args((), request.args)
    return jsonify(items=queries.district_list())


@v1.get("/fairs")
@public
def fairs():
    parse_args((), request.args)
    return jsonify(items=queries.fair_list())


@v1.get("/fairs/<fair_code>/statistics")
@public
def fair_statistics(fair_code):
    parse_args((), request.args)
    statistics = None
    with suppress(BadParameter):  # a code no fair can have
        statistics = queries.fair_statistics(FAIR_CODE.parse(fair_code))
    return jsonify(statistics) if statistics is not None else api_error(404)


@v1.get("/outcomes")
@public
def outcomes():
    period = parse_args(OUTCOME_FILTERS, request.args)["period"]
    answer = queries.outcomes(period)
    if answer is None:
        offered = ", ".join(p.key for p in outcome_periods(local_today()))
        return api_error(404, f"No outcomes for {PERIOD.name} {period}: the half-years "
                              f"offered are {offered}.")
    return jsonify(answer)
