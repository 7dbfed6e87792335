"""Sorting and filtering of the sessions table on raw values."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from .sessions_model import Column, Role

AnyIndex = QModelIndex | QPersistentModelIndex


class SessionsProxy(QSortFilterProxyModel):
    """Sorts on `Role.SORT` and keeps the app's own session first in either order.

    Filtering matches the filter text against the device, the location and the IP.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(Role.SORT)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        # The model's sort key (the `Role.SORT` value with its tie-breakers) is read
        # directly, because data() calls for each comparison dominate sorting large lists.
        model = self.sourceModel()
        left_current, *left_key = model.sort_key(left.row(), left.column())
        right_current, *right_key = model.sort_key(right.row(), right.column())
        if left_current != right_current:
            # Qt reverses the comparison for a descending sort, so the return value
            # that puts the current row first depends on the order.
            current_first = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return left_current if current_first else right_current
        # Ties fall back to last activity, then id, so the order is stable.
        return left_key < right_key

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        pattern = self.filterRegularExpression().pattern()
        if not pattern:
            return True
        model = self.sourceModel()
        session = model.index(source_row, Column.DEVICE, source_parent).data(Role.SESSION)
        haystack = " ".join(
            (
                str(model.index(source_row, Column.DEVICE, source_parent).data()),
                str(model.index(source_row, Column.LOCATION, source_parent).data()),
                session.ip_address,
            )
        )
        return self.filterRegularExpression().match(haystack).hasMatch()
