"""Property-based tests of the whole API from its OpenAPI document (schemathesis, bounded):
no answer is a server error, and every answer's status, content type and body are the ones
the document declares, for valid and invalid input alike."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from server.helpers import enrol, make_user
from twostep.server.accounts.client_tokens import issue_access_token
from twostep.server.clock import FakeClock

from .support import make_key

STATEFUL_EXAMPLES = 80

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


@pytest.fixture
def tokens(db: None, clock: FakeClock, admin_user: Any) -> dict[str, str]:
    member = make_user(clock, "alice", external_id="crm-1")
    enrol(make_user(clock, "bob"), clock)
    _, access = issue_access_token(member.user, "password", clock=clock)
    return {
        "verify": make_key("verify", clock, allow_create_users=True),
        "admin": make_key("admin", clock, actor=admin_user),
        "access": access,
    }


def _load_schema() -> Any:
    from django.test import Client

    from twostep.server.wsgi import application

    document = Client().get("/api/v1/openapi.json").json()  # no database needed
    loaded = schemathesis.openapi.from_dict(document)
    # Strings with NUL are refused (no database column takes them): the API's description
    # says so, JSON Schema has no word for it short of a pattern on every string.
    loaded.config.generation.update(allow_x00=False)
    loaded.app = _in_test_transaction(application)
    return loaded


def _in_test_transaction(app: Any) -> Any:
    """The WSGI app as Django's test client calls it: without the request signals that close
    the database connection (on PostgreSQL that would end the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    def call(environ: Any, start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return call


schema = _load_schema()


@pytest.fixture(autouse=True)
def _localhost(settings: Any) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]


def strong_password(case: Any) -> None:
    """Some phases draw strings from the document's own words ("Authorization",
    "application/json"), not from `format: password`: a password being set becomes a strong
    one, as the policy it cannot state in JSON Schema asks (valid requests only: an invalid
    one must stay invalid)."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("password"), str):
        digest = hashlib.sha256(case.body["password"].encode()).hexdigest()
        case.body["password"] = digest[:20] + "-Kq"


def token_for(path: str, tokens: dict[str, str]) -> str:
    if path.startswith("/api/v1/admin/"):
        return tokens["admin"]
    if path in {"/api/v1/me", "/api/v1/signout"}:
        return tokens["access"]
    return tokens["verify"]


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_follows_its_openapi_document(case: Any, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {token_for(case.path, tokens)}"}
    strong_password(case)
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_api_workflows_follow_its_openapi_document(tokens: dict[str, str]) -> None:
    """Stateful: sequences of calls that feed one answer into the next call (a created user's
    id into its reads, changes and deletion...), along the links schemathesis infers."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        """Each scenario starts from the same database (a savepoint rolled back after it) and
        an empty cache (the throttle), or hypothesis could not replay a scenario."""

        def setup(self) -> None:
            self.savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)
            cache.clear()

        def before_call(self, case: Any) -> None:
            strong_password(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token_for(case.path, tokens)}"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
