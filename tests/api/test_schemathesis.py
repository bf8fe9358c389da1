"""Schemathesis fuzzes the JSON API in-process against its own OpenAPI document.

Every generated request, with valid and invalid parameters, with the token, without it and
with a broken one, must get an answer the document allows: no server error, a documented
status code and content type, and a body that validates against the response schemas
(which forbid undocumented fields). schemathesis' default checks run on each response.
"""

import json
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.api.openapi import openapi_document
from models import ApiToken, db

# generated cases per operation: operations with parameters get most of them, the three
# without (whose only variations are the token and the method) get fewer
EXAMPLES_WITH_PARAMETERS = 600
EXAMPLES_WITHOUT = 100
MINIMUM_CASES = 2000
WITH_PARAMETERS = ["/openings", "/openings/{opening_id}", "/fairs/{fair_code}/statistics"]

cases: Counter = Counter()
statuses: Counter = Counter()
started: list[float] = []


class DemoApp:
    """The WSGI app the cases go to in-process; the module's fixture plugs the demo app in."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


demo_app = DemoApp()
# The token is known to schemathesis as the bearer scheme's credential, so it also sends
# requests without it or with a broken one, and expects 401. The document is built from
# code, so it is loaded at collection, without a database.
TOKEN_ROW, TOKEN = ApiToken.issue("schemathesis")
CONFIG = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearer": {"bearer": TOKEN}}}})
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
schema.app = demo_app
FUZZ = {"deadline": None, "derandomize": True, "suppress_health_check": list(HealthCheck),
        "print_blob": True}


@pytest.fixture(scope="module", autouse=True)
def served(demo_api):
    """The app serves the document the cases come from, and knows the token."""
    app, _ = demo_api
    served = app.test_client().get("/api/openapi.json").get_json()
    assert served == json.loads(json.dumps(schema.raw_schema))
    with app.app_context():
        db.session.add(TOKEN_ROW)
        db.session.commit()
    demo_app.app = app
    yield
    demo_app.app = None


def _check(case):
    if not started:
        started.append(time.perf_counter())
    response = case.call_and_validate()
    cases[case.operation.label] += 1
    statuses[response.status_code] += 1
    assert response.status_code < 500


@schema.include(path=WITH_PARAMETERS).parametrize()
@settings(max_examples=EXAMPLES_WITH_PARAMETERS, **FUZZ)
def test_operations_with_parameters(case):
    _check(case)


@schema.exclude(path=WITH_PARAMETERS).parametrize()
@settings(max_examples=EXAMPLES_WITHOUT, **FUZZ)
def test_operations_without_parameters(case):
    _check(case)


def test_enough_cases_and_no_server_error():
    elapsed = time.perf_counter() - started[0] if started else 0.0
    print(f"\nschemathesis: {sum(cases.values())} cases in {elapsed:.1f} s; "
          f"by operation {dict(cases)}; by status {dict(sorted(statuses.items()))}")
    assert sum(cases.values()) >= MINIMUM_CASES
    assert statuses[200] > 400 and statuses[400] > 100 and statuses[401] > 100
    assert not [status for status in statuses if status >= 500]
