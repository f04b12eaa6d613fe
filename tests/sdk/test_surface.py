"""The SDK's public surface: one method per API operation, the async client in step with the
sync one, the exception tree complete and documented, nothing but the OTP core imported."""

from __future__ import annotations

import inspect
import re

import httpx
import pytest

from twostep import sdk
from twostep.sdk import AsyncClient, Client, errors

from .conftest import Server


def _public(cls: type) -> dict[str, object]:
    """The public methods of ``cls``, its own and those of the mixins it is made of."""
    return {
        n: f
        for klass in reversed(cls.__mro__)
        for n, f in vars(klass).items()
        if not n.startswith("_") and callable(f)
    }


def test_async_client_mirrors_the_sync_client() -> None:
    sync = _public(Client)
    asynchronous = _public(AsyncClient)
    assert set(sync) - {"close"} == set(asynchronous) - {"aclose"}
    for name, func in sync.items():
        if name == "close":
            continue
        other = asynchronous[name]
        mine, theirs = inspect.signature(func), inspect.signature(other)  # type: ignore[arg-type]
        assert mine.parameters == theirs.parameters, name
        if inspect.isgeneratorfunction(func):
            assert inspect.isasyncgenfunction(other), name
            assert theirs.return_annotation == "Async" + mine.return_annotation
        else:
            assert inspect.iscoroutinefunction(other), name
            assert mine.return_annotation == theirs.return_annotation, name


@pytest.mark.slow
def test_every_api_operation_has_a_method(server: Server) -> None:
    document = httpx.get(server.url + "api/v1/openapi.json", timeout=30).json()
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert len(operations) > 40
    missing = sorted(op for op in operations if not hasattr(Client, op))
    assert missing == []


def test_error_codes_map_to_the_documented_tree() -> None:
    tree = errors.__doc__ or ""
    for name in errors.__all__:
        if name.endswith("Error"):
            assert re.search(rf"\b{name}\b", tree), name
    cases = {
        ("invalid_code", 400): errors.InvalidCodeError,
        ("bad_request", 400): errors.BadRequestError,
        ("not_authenticated", 401): errors.AuthenticationError,
        ("invalid_token", 401): errors.AuthenticationError,
        ("invalid_credentials", 401): errors.InvalidCredentialsError,
        ("signin_expired", 401): errors.SignInExpiredError,
        ("insufficient_scope", 403): errors.PermissionDeniedError,
        ("locked_out", 403): errors.LockedOutError,
        ("user_inactive", 403): errors.UserInactiveError,
        ("setup_deadline_passed", 403): errors.SetupDeadlinePassedError,
        ("not_found", 404): errors.NotFoundError,
        ("user_not_found", 404): errors.UserNotFoundError,
        ("enrolment_expired", 404): errors.EnrolmentExpiredError,
        ("method_not_allowed", 405): errors.MethodNotAllowedError,
        ("conflict", 409): errors.ConflictError,
        ("already_enrolled", 409): errors.AlreadyEnrolledError,
        ("not_enrolled", 409): errors.NotEnrolledError,
        ("too_large", 413): errors.PayloadTooLargeError,
        ("validation_error", 422): errors.ValidationError,
        ("malformed_code", 422): errors.MalformedCodeError,
        ("throttled", 429): errors.ThrottledError,
        ("internal_error", 500): errors.ServerError,
        ("http_502", 502): errors.ServerError,
    }
    for (code, status), cls in cases.items():
        error = errors.error_for(status, code, "m")
        assert type(error) is cls, code
        assert isinstance(error, errors.ApiError)
        assert isinstance(error, errors.TwostepError)


def test_server_error_codes_are_all_known_to_the_sdk() -> None:
    """Every code the server can answer with has a class (or its status family) here."""
    from pathlib import Path

    table = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"^\| `([a-z_]+)` +\| (\d{3})", table, re.M))
    assert len(codes) > 20
    for code, status in codes:
        error = errors.error_for(int(status), code, "m")
        assert error.status == int(status)
        assert type(error) is not errors.ApiError, code  # a specific class for each


def test_all_is_complete_and_importable() -> None:
    for name in sdk.__all__:
        assert hasattr(sdk, name), name
    exported = {n for n in dir(sdk) if not n.startswith("_")}
    assert {"Client", "AsyncClient", "TwostepError", "VerifyResult"} <= set(sdk.__all__)
    assert not {n for n in exported if n.endswith("Error")} - set(sdk.__all__)
