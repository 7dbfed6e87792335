"""FastAPI application factory."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .body_limit import BodySizeLimit
from .config import ServerConfig
from .problems import install_problem_handlers
from .routes import account, auth, events, sessions
from .schemas import Problem
from .state import build_state

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"


def create_app(config: ServerConfig) -> FastAPI:
    """Build the application; raise ValueError for invalid settings.

    The caller owns the opened database and GeoIP file and releases them with
    `app.state.server.close()`.
    """
    app = FastAPI(
        title="Session Guard reference server",
        version=API_VERSION,
        description="Active Sessions of a web account: sign-in with optional TOTP, listing and revoking sessions.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.server = build_state(config)
    app.add_middleware(BodySizeLimit)
    install_problem_handlers(app)
    for module in (auth, account, sessions, events):
        app.include_router(module.router, prefix=API_PREFIX)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    logger.info("application created with API at %s", API_PREFIX)
    return app
