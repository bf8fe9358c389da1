"""The API's OpenAPI 3.1 document, written from the same parameter definitions the views use.

Response schemas forbid properties they do not list, so a test that validates responses
against them (tests/api/test_schemathesis.py) also proves no other field is published.
"""

from app.api.params import FAIR_CODE, OPENING_FILTERS, OPENING_ID, OUTCOME_FILTERS, Param
from app.fairs.report import PEOPLE_COUNTS, RETENTION_MONTHS
from app.reports.suppression import SMALL, WITHHELD
from models import PlacementChannel
from models.placements import FOLLOW_UP_MONTHS

VERSION = "1.0.0"


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]} if isinstance(kind, str) else schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict:
    return _object({"items": {"type": "array", "items": _ref(name)}})


STRING = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}

SCHEMAS = {
    "Error": _object({
        "error": {**STRING, "description": "A stable code, e.g. not_found or unauthorized."},
        "message": {**STRING, "description": "What went wrong, in English."},
    }),
    "Category": _object({"code": STRING, "name_zh": STRING, "name_en": STRING},
                        "A job category (岗位类别)."),
    "District": _object({"adcode": {"type": "string", "pattern": "^[0-9]{6}$"},
                         "name_zh": STRING, "name_en": STRING}, "A district of Shanghai."),
    "Opening": _object({
        "id": {"type": "integer", "minimum": 1},
        "code": {"type": "string", "pattern": "^[2-9A-HJKMNP-Z]{4,}$",
                 "description": "The opening no. printed on sheets and the bulletin (岗位编号), "
                                "e.g. J7K2: say it at a booth or to the job corner's staff."},
        "title": STRING,
        "description": STRING,
        "category": _ref("Category"),
        "employer": _object({
            "name": STRING,
            "industry": STRING,
            "district": {"anyOf": [_ref("District"), {"type": "null"}]},
        }, "The company (no contact person or phone)."),
        "district": {"anyOf": [_ref("District"), {"type": "null"}]},
        "pay": _object({
            "min": _nullable({"type": "integer"}),
            "max": _nullable({"type": "integer"}),
            "months_per_year": {"type": "integer", "minimum": 1, "maximum": 24,
                                "description": "Months paid a year ('13薪' is 13)."},
            "stated_per": {"type": "string", "enum": ["month", "year", "week", "day", "hour"],
                           "description": "What the employer stated the pay per; day "
                           "and hour rates are converted at 21.75 working days of 8 "
                           "hours a month."},
            "year_min": _nullable({"type": "integer"}),
            "year_max": _nullable({"type": "integer"}),
            "text": {**STRING, "description": "The pay as the employer wrote it."},
        }, "Base pay a month in yuan (a 13th month is not spread over the year), and "
           "base × months a year; null where not stated."),
        "accommodation": {"type": "boolean"},
        "shift": {"type": "string", "enum": ["day", "night", "rotating"]},
        "education_min": {"type": "integer", "minimum": 0, "maximum": 6,
                          "description": "0 none, 1 primary, 2 junior middle, 3 senior high or "
                                         "vocational, 4 junior college, 5 bachelor, "
                                         "6 postgraduate."},
        "experience_min_years": {"type": "number", "minimum": 0},
        "certificates_required": {"type": "array", "items": STRING},
        "environments": {"type": "array", "items": STRING,
                         "description": "Work environment tags, e.g. late_night."},
        "headcount": _nullable({"type": "integer", "minimum": 0,
                                "description": "People wanted (招聘人数); null: several."}),
        "posted_on": _nullable({"type": "string", "format": "date"}),
        "updated_at": {"type": "string", "format": "date-time"},
    }, "An open opening's public job facts."),
    "OpeningPage": _object({
        "items": {"type": "array", "items": _ref("Opening")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "total": COUNT,
    }),
    "Fair": _object({
        "code": STRING, "name_zh": STRING, "name_en": STRING,
        "held_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["planning", "open", "closed"]},
    }, "A job fair (招聘会)."),
    "PeopleCount": {
        "description": f"A count of people: a whole number of at least 5, '{SMALL}' for a "
                       f"count from 0 to 4, or '{WITHHELD}' for a count of 5 or more withheld "
                       "so that no count under 5 can be worked out by difference.",
        "anyOf": [{"type": "integer", "minimum": 5}, {"type": "string", "enum": [SMALL, WITHHELD]}],
    },
    "FairStatistics": _object({
        "fair": _ref("Fair"),
        "employers": COUNT,
        "openings": COUNT,
        "headcount": COUNT,
        "people": _object({key: _ref("PeopleCount") for key in PEOPLE_COUNTS},
                          "Counts of people (participants registered and attended, "
                          "intents, placements and the people placed — a person may hold "
                          "an additional job — and the people followed up and still "
                          "employed after 1, 3, 6 and 12 months)."),
        "intent_rate": {**SHARE, "description": "Share of the registered participants who "
                                                "reached a preliminary intent; null where "
                                                "hidden or nobody registered."},
        "intent_rate_attended": {**SHARE, "description": "Share of the participants who "
                                                         "attended (checked in, signed in at "
                                                         "a kiosk or recorded at a booth) who "
                                                         "reached a preliminary intent; null "
                                                         "where hidden or nobody attended."},
        "retention": _object({str(m): SHARE for m in RETENTION_MONTHS},
                             "Share of the people followed up at 1, 3, 6 and 12 months who "
                             "are still employed."),
        "by_category": {"type": "array", "items": _object({
            "category": _ref("Category"),
            "openings": COUNT,
            "headcount": COUNT,
            "interests": _ref("PeopleCount"),
            "intents": _ref("PeopleCount"),
            "placements": _ref("PeopleCount"),
        })},
    }, "A fair's figures with counts of people under 5 suppressed."),
    "OutcomeRetention": _object({
        "followed_up": {**_ref("PeopleCount"),
                        "description": "People whose first job's follow-up at this month is "
                                       "recorded."},
        "still_employed": {"anyOf": [_ref("PeopleCount"), {"type": "null"}],
                           "description": "Of them, the people still employed; null where "
                                          "the people followed up are not shown as a "
                                          "number."},
        "share": {**SHARE, "description": "The share still employed; null where it would "
                                          "reveal a group of fewer than 5 people (those "
                                          "still employed and those no longer employed "
                                          "must both be shown or follow from shown "
                                          "numbers). For all channels, shown only where "
                                          "every channel's is."},
    }, "Retention in the first job at one month after its start."),
    "OutcomeTotal": _object({
        "placements": _ref("PeopleCount"),
        "people_placed": _ref("PeopleCount"),
        "median_days_to_first_job": {
            "type": ["number", "null"], "minimum": 0,
            "description": "Median days from the expected release date to the first job's "
                           "start (a job that started before it counts as 0); null where "
                           "the people placed are not shown as a number."},
        "retention": _object({str(m): _ref("OutcomeRetention") for m in FOLLOW_UP_MONTHS},
                             "By months after the first job's start: 1, 3, 6 and 12."),
    }, "All channels together."),
    "ChannelOutcome": _object({
        "channel": {"type": "string", "enum": [c.value for c in PlacementChannel],
                    "description": "How the jobs were found (就业渠道)."},
        "placements": {**_ref("PeopleCount"),
                       "description": "Jobs found through the channel (a person may hold "
                                      "an additional job)."},
        "people_placed": {**_ref("PeopleCount"),
                          "description": "People whose first job was found through the "
                                         "channel (each person under one channel)."},
        "median_days_to_first_job": {
            "type": ["number", "null"], "minimum": 0,
            "description": "As in the total, over the channel's people placed."},
        "people_reached": {
            "anyOf": [_ref("PeopleCount"), {"type": "null"}],
            "description": "People the channel's own activity reached: registered for a "
                           "fair, referred to an opening, attended a practice day, "
                           "completed a course or given start-up guidance; null for a "
                           "channel without one (a job found by oneself). A person may "
                           "count under several channels."},
        "retention": _object({str(m): _ref("OutcomeRetention") for m in FOLLOW_UP_MONTHS},
                             "By months after the first job's start: 1, 3, 6 and 12; over "
                             "the people whose first job was found through the channel."),
    }, "One channel's outcomes."),
    "OutcomePeriod": _object({
        "period": {"type": "string", "pattern": "^[0-9]{4}-H[12]$"},
        "released_from": {"type": "string", "format": "date"},
        "released_to": {"type": "string", "format": "date"},
        "channels": {"type": "array", "items": _ref("ChannelOutcome")},
        "total": _ref("OutcomeTotal"),
    }, "The people due for release in one half-year and the jobs they started, whenever "
       "they started, by channel; counts of people under 5 suppressed, and further counts "
       "withheld where one could be worked out from a total."),
    "Outcomes": _object({"periods": {"type": "array", "items": _ref("OutcomePeriod")}},
                        "Outcomes by channel, oldest half-year first."),
    "CategoryList": _list_of("Category"),
    "DistrictList": _list_of("District"),
    "FairList": _list_of("Fair"),
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _operation(operation_id: str, summary: str, schema: str,
               parameters: tuple[Param, ...] = (), path_param: Param | None = None) -> dict:
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}},
        "401": _error("No valid API token."),
    }
    documented = [p.document() for p in parameters]
    responses["400"] = _error("A parameter is not valid, or not one the operation has.")
    if path_param is not None:
        documented.insert(0, path_param.document("path"))
        responses["404"] = _error("No such resource.")
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": documented, "responses": responses}}


def _outcomes_operation() -> dict:
    operation = _operation("getOutcomes", "Outcomes by channel per half-year of release, "
                           "small counts suppressed.", "Outcomes", OUTCOME_FILTERS)
    operation["get"]["responses"]["404"] = _error(
        "The half-year asked for is not one of those offered (the current one and the four "
        "before it).")
    return operation


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Qibu (起步) API",
            "version": VERSION,
            "description": "Read-only job facts, fair aggregates and outcomes by channel. "
                           "No personal data; "
                           "counts of people under 5 are suppressed. Authenticate with "
                           "'Authorization: Bearer <token>' (`qibu api-token create NAME`).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openings": _operation("listOpenings", "Open openings, newest first.",
                                    "OpeningPage", OPENING_FILTERS),
            "/openings/{opening_id}": _operation("getOpening", "One open opening.", "Opening",
                                                 path_param=OPENING_ID),
            "/categories": _operation("listCategories", "Job categories.", "CategoryList"),
            "/districts": _operation("listDistricts", "Districts.", "DistrictList"),
            "/fairs": _operation("listFairs", "Job fairs, latest first.", "FairList"),
            "/fairs/{fair_code}/statistics": _operation(
                "getFairStatistics", "A fair's figures, small counts suppressed.",
                "FairStatistics", path_param=FAIR_CODE),
            "/outcomes": _outcomes_operation(),
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
