"""Alembic migrations of the server database, configured without an alembic.ini.

The scripts ship inside the package, so an installed server can migrate its
own database. `upgrade_database` is what the server runs at start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent

# The revision whose schema equals what `Base.metadata.create_all` made before
# the server used Alembic; databases from that time are stamped with it.
INITIAL_REVISION = "0001"
# The tables of INITIAL_REVISION; a database with all of them and no
# alembic_version table was made by `create_all` before the server used Alembic.
INITIAL_TABLES = frozenset({"accounts", "recovery_codes", "mfa_challenges", "sessions"})


def alembic_config(connection: Connection | None = None, database_url: str | None = None) -> Config:
    """Build the Alembic configuration for these scripts.

    Migrations run on `connection` when given, otherwise on a new connection to `database_url`.
    """
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        # ConfigParser treats "%" as interpolation, and URLs may contain %-escapes.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest revision of the shipped scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration scripts have no head revision"
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the database's revision, or None for a database that Alembic has not touched."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(engine: Engine) -> None:
    """Apply all migrations that the database lacks, in one transaction where the database allows.

    A database whose tables were made by `create_all` before the server used
    Alembic has all model tables but no alembic_version table. It is stamped
    with INITIAL_REVISION first, because its schema is that revision's.
    """
    with engine.begin() as connection:
        before = current_revision(connection)
        config = alembic_config(connection)
        if before is None and _has_all_model_tables(connection):
            logger.info("database has tables but no Alembic revision; stamping revision %s", INITIAL_REVISION)
            command.stamp(config, INITIAL_REVISION)
            before = INITIAL_REVISION
        command.upgrade(config, "head")
        after = current_revision(connection)
    if before != after:
        logger.info("database upgraded from revision %s to %s", before or "(empty)", after)


def _has_all_model_tables(connection: Connection) -> bool:
    return INITIAL_TABLES <= set(inspect(connection).get_table_names())
