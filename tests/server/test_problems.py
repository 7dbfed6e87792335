"""Problem documents for routing errors, and the published OpenAPI document."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.server.server_support import Api

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def test_unknown_route_is_problem(api: Api) -> None:
    response = api.client.get("/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "not_found"


def test_wrong_method_is_problem(api: Api) -> None:
    response = api.client.put("/sessions")
    assert response.status_code == 405
    assert response.json()["type"] == "method_not_allowed"


def test_problem_has_rfc9457_members(api: Api) -> None:
    body = api.login("nobody@example.com", "x").json()
    assert set(body) == PROBLEM_KEYS


def test_validation_problem_names_field(api: Api) -> None:
    response = api.client.post("/auth/login", json={"email": "", "password": "x"})
    assert response.json()["detail"].startswith("email:")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"null",
        b"[]",
        b'{"email": null, "password": null}',
        b"\xff\xfe",
        b'{"email": "a", "password": "' + b"x" * 5000 + b'"}',
        b"[" * 5_000 + b"]" * 5_000,
    ],
)
def test_bad_login_bodies_are_invalid_request(api: Api, content: bytes) -> None:
    response = api.client.post("/auth/login", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"


def test_openapi_published(api: Api) -> None:
    response = httpx.get(f"{api.server.url}/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/sessions/{session_id}" in response.json()["paths"]


def test_openapi_documents_problem_responses(api: Api) -> None:
    spec = httpx.get(f"{api.server.url}/openapi.json").json()
    responses = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert set(responses) == {"200", "401", "422", "429"}
    assert "application/problem+json" in responses["429"]["content"]


def test_openapi_declares_session_model(api: Api) -> None:
    spec = httpx.get(f"{api.server.url}/openapi.json").json()
    assert "auth_methods" in spec["components"]["schemas"]["Session"]["properties"]


def test_openapi_has_no_default_validation_schema(api: Api) -> None:
    spec = httpx.get(f"{api.server.url}/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_openapi_refs_resolve(api: Api) -> None:
    spec = httpx.get(f"{api.server.url}/openapi.json").json()
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs <= set(spec["components"]["schemas"])


def test_long_session_id_not_echoed_whole(api: Api) -> None:
    api.create_account("long-id@example.com")
    token = api.sign_in("long-id@example.com")["access_token"]
    response = api.delete("/sessions/" + "a" * 5000, token)
    assert response.status_code == 404
    assert len(response.json()["detail"]) < 200


def test_oversized_body_is_rejected(api: Api) -> None:
    response = api.client.post("/auth/login", content=b"x" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_oversized_body_is_problem(api: Api) -> None:
    response = api.client.post("/auth/login", content=b"x" * 100_000, headers={"Content-Type": "application/json"})
    assert response.json()["type"] == "request_too_large"


def test_oversized_streamed_body_is_rejected(api: Api) -> None:
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = api.client.post("/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_wrong_content_type_is_invalid_request(api: Api, content_type: str) -> None:
    body = b'{"email": "a@example.com", "password": "x"}'
    response = api.client.post("/auth/login", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "invalid_request"


def test_missing_content_type_is_invalid_request(api: Api) -> None:
    response = api.client.post("/auth/login", content=b'{"email": "a@example.com", "password": "x"}')
    assert response.status_code == 422
    assert response.json()["type"] == "invalid_request"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/login", {"email": "a@example.com", "password": "x", "remember_me": True}),
        ("/auth/mfa", {"mfa_token": "t", "code": "123456", "trust_device": True}),
    ],
)
def test_unknown_field_is_invalid_request(api: Api, path: str, body: dict[str, object]) -> None:
    response = api.client.post(path, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "invalid_request"
    assert "Extra inputs are not permitted" in response.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [b'{"email": "a@example.com", "password": "x"', b'{"email": "a@example.com",,}', b"\x00\x01", b"{}" * 10],
)
def test_malformed_json_is_problem(api: Api, content: bytes) -> None:
    response = api.client.post("/auth/login", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) == PROBLEM_KEYS


def test_oversized_body_on_authenticated_route(api: Api) -> None:
    api.create_account("big@example.com")
    token = api.sign_in("big@example.com")["access_token"]
    padding = "x" * 20_000
    response = api.post("/account/password", token, {"current_password": padding, "new_password": padding})
    assert response.status_code == 413
    assert response.json()["type"] == "request_too_large"


def test_openapi_documents_new_account_routes(api: Api) -> None:
    paths = httpx.get(f"{api.server.url}/openapi.json").json()["paths"]
    assert "patch" in paths["/api/v1/account"]
    assert set(paths["/api/v1/account/password"]["post"]["responses"]) == {"200", "401", "422", "429"}
