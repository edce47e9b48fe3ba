"""The schema is the truth: schemathesis against the API, in-process, for each role of the demo.

Every operation of ``/api/schema/`` gets a bounded number of generated requests (valid ones and
invalid ones, hypothesis derandomized: a fixed seed), sent through Django's WSGI handler with the
role's personal API token (``Authorization: Bearer``). Each answer must be no server error, a
documented status code and content type, and match the documented response schema. Each request
runs in a savepoint that is rolled back, so every one of them sees the demo as seeded.
"""

import contextlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import api_token

# A student, a docent, the coordinator, an organisation contact and a werkbegeleider of the demo.
ROLES = ["student4", "docent.mbo", "coordinator", "wijkteam", "werkbegeleider"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8  # per operation and mode: the five roles together stay within a few minutes


@pytest.fixture
def app():
    # The WSGI handler closes "old" connections before and after each request; inside the test's transaction
    # that would end it (Django's own test client disconnects the same signal).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def run_operation(operation, mode: GenerationMode, headers: dict, found: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as is
    )
    def run(case) -> None:
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:
            found.setdefault(f"{operation.label} ({mode.value})", str(failure)[:2000])
        finally:
            transaction.savepoint_rollback(savepoint)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters, no body)
        run()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(demo, db, app, role):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
    headers = {"Authorization": f"Bearer {api_token(demo.users[role], name='schemathesis')}"}
    found: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, headers, found)
    assert not found, "\n\n".join(f"{label}:\n{text}" for label, text in found.items())
