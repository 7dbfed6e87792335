"""RFC 9457 problem details for every error response."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .schemas import Problem

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Titles per problem type; the type is the stable code clients branch on.
TITLES = {
    "invalid_credentials": "Invalid email or password",
    "invalid_code": "Invalid verification code",
    "mfa_token_expired": "Sign-in attempt expired",
    "too_many_attempts": "Too many failed attempts",
    "unauthorized": "Authentication required",
    "session_not_found": "Session not found",
    "current_session": "Cannot revoke the current session",
    "invalid_request": "Invalid request",
    "invalid_last_event_id": "Invalid Last-Event-ID",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "internal_error": "Internal server error",
}


class ProblemError(Exception):
    """Raised by handlers to return a problem document."""

    def __init__(
        self,
        status: int,
        type_: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type_
        self.detail = detail
        self.headers = headers or {}
        self.retry_after = retry_after


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def invalid_credentials() -> ProblemError:
    """Return the one 401 for an unknown email, a wrong password and a wrong current password."""
    return ProblemError(401, "invalid_credentials", "The email or password is incorrect.")


def too_many_attempts(retry_after: int) -> ProblemError:
    return ProblemError(
        429,
        "too_many_attempts",
        f"Too many failed sign-in attempts; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def problem_response(
    status: int, type_: str, detail: str, headers: dict[str, str] | None = None, retry_after: int | None = None
) -> JSONResponse:
    title = TITLES.get(type_) or HTTPStatus(status).phrase
    body = Problem(type=type_, title=title, status=status, detail=detail, retry_after=retry_after)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _describe_validation_error(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return f"{location}: {error.get('msg', 'invalid value')}"


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.type, exc.detail, exc.headers, exc.retry_after)


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    detail = "; ".join(_describe_validation_error(e) for e in errors[:5]) or "invalid request"
    return problem_response(422, "invalid_request", detail)


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI raises 400 for a body it cannot parse (e.g. JSON nested too deeply); report it like other bad bodies.
        return problem_response(422, "invalid_request", f"body: {exc.detail}")
    type_ = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
    if type_ is None:
        type_ = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    if exc.status_code == 404:
        detail = f"No resource at {request.url.path}."
    return problem_response(exc.status_code, type_, detail, dict(exc.headers or {}))


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "internal_error", "The server failed to handle the request.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(Exception, _handle_unexpected)


def problem_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI response entries for error statuses.

    A keyword such as `d401="..."` replaces the default description of that
    status; a replaced 401 is a sign-in failure and carries no WWW-Authenticate.
    """
    defaults = {
        401: "Problem unauthorized: the bearer token is missing, invalid, revoked or expired",
        404: "Problem session_not_found",
        409: "Problem current_session",
        422: "Problem invalid_request: the body, a path or a header value is invalid",
        429: "Problem too_many_attempts",
    }
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        override = descriptions.get(f"d{status}")
        entry: dict[str, Any] = {
            "description": override or defaults.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status == 429:
            entry["headers"] = {
                "Retry-After": {"description": "Seconds until a new attempt is accepted", "schema": {"type": "integer"}}
            }
        if status == 401 and override is None:
            entry["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
        responses[status] = entry
    return responses
