"""Shared objects of one server instance."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from . import devices
from .config import ServerConfig
from .db import create_db_engine, create_session_factory
from .events import EventHub
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
    event_hub: EventHub

    closed: bool = False

    def close(self) -> None:
        """End the event streams and close the GeoIP file and the database connections; later calls do nothing."""
        if self.closed:
            return
        self.closed = True
        self.event_hub.close()
        self.geo.close()
        self.engine.dispose()


def build_state(config: ServerConfig) -> ServerState:
    """Open the database and the GeoIP file; raise ValueError on invalid settings."""
    proxies = parse_networks(config.trusted_proxies)
    if config.events_heartbeat_seconds <= 0 or config.events_poll_seconds <= 0:
        raise ValueError("events_heartbeat_seconds and events_poll_seconds must be greater than 0")
    geo = GeoLocator(config.geoip_db or default_geoip_db())
    engine = create_db_engine(config.database_url)
    devices.warm_up()
    session_factory = create_session_factory(engine)
    return ServerState(
        config=config,
        engine=engine,
        session_factory=session_factory,
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
        event_hub=EventHub(engine, session_factory, config.events_poll_seconds),
    )
