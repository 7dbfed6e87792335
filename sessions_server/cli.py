"""Command line: `serve` runs the server, `add-user` creates an account, `migrate` upgrades the database.

Each command upgrades the database to the newest schema before it uses it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs
from alembic.util import CommandError

from .accounts import create_account
from .config import ServerConfig
from .geo import default_geoip_db
from .network import parse_networks

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

EXIT_ERROR = 1
EXIT_USAGE = 2


def default_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("session-guard-server"))
    return f"sqlite:///{data_dir / 'sessions.sqlite3'}"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="session-guard-server", description="Session Guard reference server.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8765, help="TCP port to listen on (default: %(default)s)")
    serve.add_argument("--database", help="SQLAlchemy database URL (default: an SQLite file in the user data folder)")
    serve.add_argument("--geoip-db", type=Path, help="GeoIP2/GeoLite2 City .mmdb file (default: maxminddb-geolite2's)")
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="CIDR",
        help="reverse proxy network whose X-Forwarded-For is trusted; repeatable (default: none)",
    )
    serve.add_argument(
        "--active-days", type=int, default=7, help="days since last activity that count as active (default: 7)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes; they share the database, and sign-in throttling counts per process (default: 1)",
    )

    add_user = commands.add_parser(
        "add-user", help="create an account; the password is read from stdin, or prompted for on a terminal"
    )
    add_user.add_argument("email")
    add_user.add_argument("--database", help="SQLAlchemy database URL (default: as for serve)")
    add_user.add_argument("--enable-2fa", action="store_true", help="also create a TOTP secret and recovery codes")

    migrate = commands.add_parser(
        "migrate", help="create or upgrade the database schema to the newest revision, then exit"
    )
    migrate.add_argument("--database", help="SQLAlchemy database URL (default: as for serve)")
    return parser


def _database_url(value: str | None) -> str:
    if value:
        return value
    url = default_database_url()
    Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    try:
        parse_networks(args.trusted_proxy)
    except ValueError as error:
        print(f"error: --trusted-proxy: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        geoip_db = args.geoip_db or default_geoip_db()
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not geoip_db.is_file():
        print(f"error: GeoIP database {geoip_db} not found; pass --geoip-db PATH", file=sys.stderr)
        return EXIT_USAGE
    if args.active_days < 1:
        print("error: --active-days must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE

    config = ServerConfig(
        database_url=_database_url(args.database),
        geoip_db=geoip_db,
        trusted_proxies=list(args.trusted_proxy),
        active_days=args.active_days,
    )
    if args.workers > 1:
        return _serve_workers(config, args)
    try:
        app = create_app(config)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as error:
        print(f"error: database migration failed: {error}", file=sys.stderr)
        return EXIT_ERROR
    logger.info("serving on http://%s:%d/api/v1", args.host, args.port)
    try:
        # X-Forwarded-For is handled by the app itself, with its own trusted-proxy list.
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)
    finally:
        app.state.server.close()
    return 0


# The settings that `serve --workers` hands to each worker process, which builds its
# own application with `app_from_environment`.
_WORKER_CONFIG_VARIABLE = "SESSION_GUARD_SERVER_CONFIG"


def _serve_workers(config: ServerConfig, args: argparse.Namespace) -> int:
    import uvicorn

    from .db import create_db_engine

    # Upgrade the schema once here, so the workers do not race to migrate it.
    try:
        create_db_engine(config.database_url).dispose()
    except CommandError as error:
        print(f"error: database migration failed: {error}", file=sys.stderr)
        return EXIT_ERROR
    os.environ[_WORKER_CONFIG_VARIABLE] = json.dumps(
        {
            "database_url": config.database_url,
            "geoip_db": str(config.geoip_db),
            "trusted_proxies": config.trusted_proxies,
            "active_days": config.active_days,
        }
    )
    logger.info("serving on http://%s:%d/api/v1 with %d worker processes", args.host, args.port, args.workers)
    uvicorn.run(
        "sessions_server.cli:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        proxy_headers=False,
    )
    return 0


def app_from_environment():
    """Build one worker's application from the settings `serve --workers` put in the environment."""
    from .app import create_app

    # Each worker is a new process, so it sets up the same logging as `main`.
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    settings = json.loads(os.environ[_WORKER_CONFIG_VARIABLE])
    config = ServerConfig(
        database_url=settings["database_url"],
        geoip_db=Path(settings["geoip_db"]),
        trusted_proxies=settings["trusted_proxies"],
        active_days=settings["active_days"],
    )
    app = create_app(config)
    app.router.on_shutdown.append(app.state.server.close)
    return app


# NIST SP 800-63B sets 8 characters as the minimum for user-chosen passwords.
MIN_PASSWORD_LENGTH = 8


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise ValueError("the passwords do not match")
    return first


def _add_user(args: argparse.Namespace) -> int:
    from .db import create_db_engine, create_session_factory
    from .security import PasswordService

    try:
        password = _read_password()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"error: the password must have at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return EXIT_ERROR

    config = ServerConfig(database_url=_database_url(args.database))
    try:
        engine = create_db_engine(config.database_url)
    except CommandError as error:
        print(f"error: database migration failed: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        with create_session_factory(engine)() as db:
            secrets = create_account(
                db,
                PasswordService(),
                args.email,
                password,
                enable_2fa=args.enable_2fa,
                session_ttl_days=config.session_ttl_days,
                now=config.clock(),
            )
    except ValueError as error:
        # Also DuplicateEmailError, a ValueError subclass.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        engine.dispose()

    print(f"Created account {args.email.strip().lower()}.")
    if secrets.totp_secret:
        print(f"TOTP secret: {secrets.totp_secret}")
        print(f"otpauth URI: {secrets.otpauth_uri}")
        print("Recovery codes (each works once):")
        for code in secrets.recovery_codes:
            print(f"  {code}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from .db import create_db_engine
    from .migrations import current_revision

    try:
        engine = create_db_engine(_database_url(args.database))
    except CommandError as error:
        print(f"error: database migration failed: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    print(f"Database schema is at revision {revision}.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    args = _build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        return _migrate(args)
    return _add_user(args)


if __name__ == "__main__":
    sys.exit(main())
