"""Table model of the account's sessions, updated by session id."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..core import labels
from .icons import icon

if TYPE_CHECKING:  # The API records load with the client, after the window shows.
    from ..api.models import Session, SessionList

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    DEVICE = 0
    LOCATION = 1
    LAST_ACTIVE = 2
    STATUS = 3
    ACTIONS = 4


# Column(number) costs an Enum lookup; the proxy's sort calls sort_key thousands of times.
_COLUMNS = tuple(Column)


class Role(enum.IntEnum):
    SESSION = Qt.ItemDataRole.UserRole + 1  # the Session record
    SORT = Qt.ItemDataRole.UserRole + 2  # raw value for sorting
    STATUS = Qt.ItemDataRole.UserRole + 3  # status label of the badge
    SESSION_ID = Qt.ItemDataRole.UserRole + 4
    CURRENT = Qt.ItemDataRole.UserRole + 5  # bool: the app's own session
    UNFAMILIAR = Qt.ItemDataRole.UserRole + 6  # bool: an alert not yet acknowledged


_STATUS_ORDER = {
    labels.STATUS_CURRENT: 0,
    labels.STATUS_UNFAMILIAR: 1,
    labels.STATUS_ACTIVE_NOW: 2,
    labels.STATUS_ACTIVE: 3,
    labels.STATUS_INACTIVE: 4,
}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RowsUpdate(NamedTuple):
    """The row changes that turn `base` into the rows for `session_list`, from `plan_update`.

    `removed` are rows of `base`, ascending; `changed` are (row, new record) pairs
    counted after the removals, ascending; `added` go after the last row. `rows`
    and `index` are the rows afterwards and their row numbers by session id.
    """

    base: tuple[Session, ...]
    session_list: SessionList
    removed: list[int]
    changed: list[tuple[int, Session]]
    added: list[Session]
    rows: tuple[Session, ...]
    index: dict[str, int]


def plan_update(base: tuple[Session, ...], session_list: SessionList) -> RowsUpdate:
    """Compare the rows `base` with `session_list` by session id.

    It only reads immutable records, so the poller runs it on the worker thread and
    `SessionsModel.apply` has only the row signals left to send.
    """
    incoming = {session.id: session for session in session_list.sessions}
    removed = [row for row, session in enumerate(base) if session.id not in incoming]
    changed: list[tuple[int, Session]] = []
    rows: list[Session] = []
    for old in base:
        new = incoming.get(old.id)
        if new is None:
            continue
        if new is not old and new != old:
            changed.append((len(rows), new))
        rows.append(new)
    kept_ids = {session.id for session in rows}
    added = [session for session in session_list.sessions if session.id not in kept_ids]
    rows.extend(added)
    index = {session.id: row for row, session in enumerate(rows)}
    return RowsUpdate(base, session_list, removed, changed, added, tuple(rows), index)


class SessionsModel(QAbstractTableModel):
    """Rows of `Session` records keyed by id.

    `apply()` inserts, removes and changes rows by id instead of resetting, so the
    view keeps its selection and scroll position.
    """

    def __init__(self, parent=None, *, clock: Callable[[], datetime] = _utc_now) -> None:
        super().__init__(parent)
        self._sessions: list[Session] = []
        self._rows: dict[str, int] = {}
        self._snapshot: tuple[Session, ...] | None = ()  # tuple(self._sessions), or None until asked for
        self._clock = clock
        self._skew = timedelta(0)
        self._unfamiliar: set[str] = set()
        self._headers = {
            Column.DEVICE: self.tr("Device & browser"),
            Column.LOCATION: self.tr("Location & OS"),
            Column.LAST_ACTIVE: self.tr("Last active"),
            Column.STATUS: self.tr("Status"),
            Column.ACTIONS: "",
        }

    # Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._sessions)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Column):
            return self._headers[Column(section)]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._sessions):
            return None
        session = self._sessions[index.row()]
        column = _COLUMNS[index.column()]

        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(session, column)
        if role == Role.SORT:
            return self._sort_value(session, column)
        if role == Role.SESSION:
            return session
        if role == Role.SESSION_ID:
            return session.id
        if role == Role.CURRENT:
            return session.current
        if role == Role.STATUS:
            return self._status(session)
        if role == Role.UNFAMILIAR:
            return session.id in self._unfamiliar
        if role == Qt.ItemDataRole.DecorationRole and column == Column.DEVICE and session.id in self._unfamiliar:
            return icon("tray-alert")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(session, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if column == Column.ACTIONS:
                return self.tr("Actions for %s") % labels.device_label(session.device)
            return self._display(session, column)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and column == Column.ACTIONS:
            return self.tr("Opens the menu to sign out, trust or inspect this session. The Menu key or Shift+F10 opens it too.")
        return None

    # Reading

    def server_now(self) -> datetime:
        """Return the current time on the server's clock."""
        return self._clock() + self._skew

    def session_at(self, row: int) -> Session:
        return self._sessions[row]

    def row_of(self, session_id: str) -> int | None:
        return self._rows.get(session_id)

    def sessions(self) -> tuple[Session, ...]:
        return self.snapshot()

    def snapshot(self) -> tuple[Session, ...]:
        """Return the rows as an immutable tuple, the `base` for `plan_update` on another thread."""
        if self._snapshot is None:
            self._snapshot = tuple(self._sessions)
        return self._snapshot

    # Updating

    def apply(self, session_list: SessionList, update: RowsUpdate | None = None) -> None:
        """Bring the rows in line with `session_list`, keyed by session id.

        `update` is `plan_update(self.snapshot(), session_list)`, computed on the
        worker thread. One planned from rows that have changed since is planned
        again here.
        """
        if update is None or update.base is not self._snapshot or update.session_list is not session_list:
            update = plan_update(self.snapshot(), session_list)
        self._skew = session_list.server_time - self._clock()
        self._snapshot = None

        self._remove_rows(update.removed, renumber=False)
        self._rows = update.index

        for row, session in update.changed:
            self._sessions[row] = session
        for first, last in _runs(row for row, _ in update.changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

        added = update.added
        if added:
            start = len(self._sessions)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._sessions.extend(added)
            self.endInsertRows()
        self._snapshot = update.rows

    def set_unfamiliar(self, session_id: str, unfamiliar: bool) -> None:
        """Mark or unmark a row as an unacknowledged alert."""
        if unfamiliar:
            self._unfamiliar.add(session_id)
        else:
            self._unfamiliar.discard(session_id)
        row = self._rows.get(session_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def remove(self, session_id: str) -> bool:
        row = self._rows.get(session_id)
        if row is None:
            return False
        self._remove_rows([row])
        return True

    def _remove_rows(self, rows: list[int], *, renumber: bool = True) -> None:
        """Remove sorted row numbers in runs from the bottom up, then renumber once unless the caller does."""
        if not rows:
            return
        self._snapshot = None
        for first, last in reversed(_runs(rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            for session in self._sessions[first : last + 1]:
                self._unfamiliar.discard(session.id)
            del self._sessions[first : last + 1]
            self.endRemoveRows()
        if renumber:
            self._rows = {session.id: index for index, session in enumerate(self._sessions)}

    def clear(self) -> None:
        self.beginResetModel()
        self._sessions = []
        self._snapshot = None
        self._rows = {}
        self._unfamiliar.clear()
        self.endResetModel()

    def refresh_times(self) -> None:
        """Re-render the time-dependent cells ("Active now", "5 minutes ago", badges).

        The signal leaves out `Role.SORT`, so the proxy does not sort the whole table
        again every time the labels age.
        NOTE: so an open sort by Status keeps the order until the next data change
        when a session moves from "Active now" to "Active".
        """
        if self._sessions:
            last = len(self._sessions) - 1
            roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Role.STATUS]
            self.dataChanged.emit(self.index(0, Column.LAST_ACTIVE), self.index(last, Column.STATUS), roles)

    def sort_key(self, row: int, column: int) -> tuple:
        """Return the proxy's sort key: the app's own session flag, the column's raw value, then ties."""
        session = self._sessions[row]
        return (session.current, self._sort_value(session, _COLUMNS[column]), session.last_active_at, session.id)

    # Cell contents

    def _display(self, session: Session, column: Column) -> str | None:
        if column == Column.DEVICE:
            return labels.device_label(session.device)
        if column == Column.LOCATION:
            return labels.location_label(session)
        if column == Column.LAST_ACTIVE:
            return labels.last_active_label(session.last_active_at, self.server_now())
        if column == Column.STATUS:
            return labels.status_text(self._status(session))
        return None

    def _status(self, session: Session) -> str:
        if session.id in self._unfamiliar:
            return labels.STATUS_UNFAMILIAR
        return labels.status_label(session, self.server_now())

    def _sort_value(self, session: Session, column: Column) -> Any:
        if column == Column.DEVICE:
            return labels.device_label(session.device).casefold()
        if column == Column.LOCATION:
            return labels.location_label(session).casefold()
        if column == Column.LAST_ACTIVE:
            return session.last_active_at.timestamp()
        if column == Column.STATUS:
            return _STATUS_ORDER[self._status(session)]
        return 0

    def _tooltip(self, session: Session, column: Column) -> str | None:
        if column == Column.LAST_ACTIVE:
            return session.last_active_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        if column == Column.LOCATION:
            return session.ip_address
        if column == Column.ACTIONS:
            return self.tr("More actions")
        return None


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Group sorted row numbers into (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
