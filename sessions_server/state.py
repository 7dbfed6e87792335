"""Shared objects of one server instance."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from . import devices
from .config import ServerConfig
from .db import create_db_engine, create_session_factory
from .geo import GeoLocator, default_geoip_db
from .network import IPNetwork, parse_networks
from .security import PasswordService
from .throttle import FailureThrottle

logger = logging.getLogger(__name__)


@dataclass
class ServerState:
    config: ServerConfig
    engine: Engine
    session_factory: sessionmaker
    passwords: PasswordService
    geo: GeoLocator
    throttle: FailureThrottle
    trusted_proxies: list[IPNetwork]

    closed: bool = False

    def close(self) -> None:
        """Close the GeoIP file and the database connections; later calls do nothing."""
        if self.closed:
            return
        self.closed = True
        self.geo.close()
        self.engine.dispose()


def build_state(config: ServerConfig) -> ServerState:
    """Open the database and the GeoIP file; raise ValueError on invalid settings."""
    proxies = parse_networks(config.trusted_proxies)
    geo = GeoLocator(config.geoip_db or default_geoip_db())
    engine = create_db_engine(config.database_url)
    devices.warm_up()
    return ServerState(
        config=config,
        engine=engine,
        session_factory=create_session_factory(engine),
        passwords=PasswordService(
            config.argon2_time_cost, config.argon2_memory_cost_kib, config.argon2_parallelism
        ),
        geo=geo,
        throttle=FailureThrottle(
            config.throttle_max_failures,
            config.throttle_window_seconds,
            config.clock,
            max_block_seconds=config.throttle_max_block_seconds,
            forget_after_seconds=config.throttle_forget_after_seconds,
        ),
        trusted_proxies=proxies,
    )
