"""Time the data path of `GET /sessions` for 100 sessions inside one process, without HTTP.

The measured path is what the route does after authentication: `list_live` reads
the account's rows, `to_schema` builds the response models, and the sessions array
is serialised once for both the ETag and the body. The baseline, run in the same
process and database, is the earlier path: `list_live` loaded ORM objects through a
new identity map and the route serialised the array twice, once for the ETag and
once inside the `SessionList` body.

Run: .venv/bin/python bench/list_path.py    # about 10 seconds
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_load import SESSIONS, seed  # noqa: E402

from sessions_server import schemas, session_store  # noqa: E402
from sessions_server.config import ServerConfig  # noqa: E402
from sessions_server.db import Account, SessionRecord, create_db_engine, create_session_factory  # noqa: E402

REPEATS = 300
ROUNDS = 3
SESSIONS_ADAPTER = TypeAdapter(list[schemas.Session])


def median_ms(function: Callable[[], object]) -> float:
    function()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    config = ServerConfig()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'list.sqlite3'}"
        seed(url)
        engine = create_db_engine(url)
        factory = create_session_factory(engine)
        with factory() as lookup:
            account_id = lookup.scalar(select(Account.id))

        def earlier_path() -> bytes:
            with factory() as db:
                account = db.get(Account, account_id)
                now = datetime.now(UTC)
                records = db.scalars(
                    select(SessionRecord).where(
                        SessionRecord.account_id == account.id, SessionRecord.revoked_at.is_(None)
                    )
                ).all()
                live = [record for record in records if session_store.is_live(record, account, config, now)]
                sessions = [session_store.to_schema(record, live[0].id, now, config.active_days) for record in live]
                hashlib.sha256(SESSIONS_ADAPTER.dump_json(sessions)).hexdigest()
                return schemas.SessionList(sessions=sessions, server_time=now).model_dump_json().encode()

        def current_path() -> bytes:
            with factory() as db:
                account = db.get(Account, account_id)
                now = datetime.now(UTC)
                rows = session_store.list_live(db, account, config, now)
                sessions = [session_store.to_schema(row, rows[0].id, now, config.active_days) for row in rows]
                array = SESSIONS_ADAPTER.dump_json(sessions)
                hashlib.sha256(array).hexdigest()
                return b'{"sessions":' + array + b',"server_time":"' + schemas.format_timestamp(now).encode() + b'"}'

        print(f"{SESSIONS} sessions on SQLite, median of {REPEATS} calls per round\n")
        print("| round | earlier path (baseline) ms | current path ms | current / baseline |")
        print("|---:|---:|---:|---:|")
        for number in range(1, ROUNDS + 1):
            baseline = median_ms(earlier_path)
            current = median_ms(current_path)
            print(f"| {number} | {baseline:.2f} | {current:.2f} | {current / baseline:.2f} |")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
