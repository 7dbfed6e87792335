"""Main window: the Active Sessions table, its row menu, the toolbar and the details pane.

The window turns user actions into signals after any confirmation; the controller
does the network work and calls back into the window with the results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..core import labels
from . import looks
from .about import HelpMenu
from .delegates import ActionsDelegate, BadgeDelegate
from .details import DetailsPane
from .filter import SessionFilter
from .sessions_model import Column, Role, SessionsModel
from .sessions_proxy import SessionsProxy

if TYPE_CHECKING:  # The API records load with the client, after the window shows.
    from ..api.models import Session

TIME_LABEL_REFRESH_MS = 30_000


class MainWindow(QMainWindow):
    """Signals carry what the user confirmed:

    sig_refresh_requested(), sig_revoke_requested(session_id),
    sig_revoke_others_requested(), sig_sign_in_requested(), sig_sign_out_requested(),
    sig_quit_requested(), sig_trust_requested(session_id), sig_acknowledge_requested(session_id).
    sig_shown() is sent each time the window is shown; sig_interval_chosen(seconds)
    when the user picks how often to check; sig_settings_requested() for Settings….
    """

    sig_refresh_requested = Signal()
    sig_revoke_requested = Signal(str)
    sig_revoke_others_requested = Signal()
    sig_sign_out_requested = Signal()
    sig_sign_in_requested = Signal()
    sig_quit_requested = Signal()
    sig_trust_requested = Signal(str)
    sig_acknowledge_requested = Signal(str)
    sig_shown = Signal()
    sig_interval_chosen = Signal(float)
    sig_settings_requested = Signal()

    def __init__(self, model: SessionsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(980, 560)
        self.model = model
        self.proxy = SessionsProxy(self)
        # Connected before the proxy so it runs before the view moves the current
        # index to the next row, a session the user never picked.
        model.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        self.proxy.setSourceModel(model)
        self.confirmation: QMessageBox | None = None
        self.row_menu: QMenu | None = None
        self.hide_on_close = False  # True while the tray icon is in use

        self._build_actions()
        self._build_table()
        self._build_layout()
        self._build_keyboard()

        self._time_labels = QTimer(self)
        self._time_labels.setInterval(TIME_LABEL_REFRESH_MS)
        self._time_labels.timeout.connect(model.refresh_times)
        self._time_labels.start()

        self.set_signed_in(False)

    # Construction

    def _build_actions(self) -> None:
        self.refresh_action = QAction(self.tr("&Refresh"), self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setShortcuts([QKeySequence("Ctrl+R"), QKeySequence(QKeySequence.StandardKey.Refresh)])
        self.refresh_action.triggered.connect(self.sig_refresh_requested)

        self.revoke_others_action = QAction(self.tr("Sign out all &other sessions…"), self)
        self.revoke_others_action.triggered.connect(self.confirm_revoke_others)

        self.sign_in_action = QAction(self.tr("Sign &in…"), self)
        self.sign_in_action.triggered.connect(self.sig_sign_in_requested)

        self.sign_out_action = QAction(self.tr("Sign o&ut of Session Guard"), self)
        self.sign_out_action.triggered.connect(self.sig_sign_out_requested)

        self.quit_action = QAction(self.tr("&Quit"), self)
        # Windows binds no standard Quit key, so Ctrl+Q is used there too.
        self.quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")])
        self.quit_action.triggered.connect(self.sig_quit_requested)

        account_menu = self.menuBar().addMenu(self.tr("&Account"))
        account_menu.addAction(self.refresh_action)
        account_menu.addAction(self.revoke_others_action)
        account_menu.addMenu(self._build_interval_menu())
        account_menu.addSeparator()
        account_menu.addAction(self.sign_in_action)
        account_menu.addAction(self.sign_out_action)
        account_menu.addSeparator()
        account_menu.addAction(self._build_settings_action())
        account_menu.addAction(self.quit_action)

        toolbar = QToolBar(self.tr("Actions"), self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.revoke_others_action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

        self.session_filter = SessionFilter(self.proxy, self)
        self.find_action = QAction(self.tr("&Filter sessions"), self)
        self.find_action.setObjectName("findAction")
        self.find_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Find)])
        self.find_action.triggered.connect(self.session_filter.focus)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.find_action)
        self.help_menu = HelpMenu(self)
        self.menuBar().addMenu(self.help_menu)

    def _build_settings_action(self) -> QAction:
        self.settings_action = QAction(self.tr("&Settings…"), self)
        self.settings_action.setObjectName("settingsAction")
        # Windows and desktops without a platform theme bind no Preferences key, so Ctrl+, is used instead.
        shortcuts = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences) or [QKeySequence("Ctrl+,")]
        self.settings_action.setShortcuts(shortcuts)
        # On macOS Qt moves the action into the application menu, where the platform expects it.
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.sig_settings_requested)
        return self.settings_action

    def _build_interval_menu(self) -> QMenu:
        menu = QMenu(self.tr("&Check for changes every"), self)
        group = QActionGroup(self)
        self.interval_actions: dict[float, QAction] = {}
        choices = [(10, self.tr("10 seconds")), (30, self.tr("30 seconds")), (60, self.tr("1 minute")), (300, self.tr("5 minutes")), (900, self.tr("15 minutes"))]
        for seconds, text in choices:
            action = menu.addAction(text)
            action.setCheckable(True)
            group.addAction(action)
            action.triggered.connect(lambda checked, seconds=seconds: self.sig_interval_chosen.emit(float(seconds)))
            self.interval_actions[float(seconds)] = action
        return menu

    def show_interval(self, seconds: float) -> None:
        """Check the menu entry closest to `seconds`."""
        closest = min(self.interval_actions, key=lambda choice: abs(choice - seconds))
        self.interval_actions[closest].setChecked(True)

    def _build_table(self) -> None:
        table = QTableView(self)
        table.setObjectName("sessionsTable")
        table.setAccessibleName(self.tr("Active sessions"))
        table.setAccessibleDescription(self.tr("Every device signed in to the account. Open a row's menu to sign it out."))
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(Column.LAST_ACTIVE, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        # Tab leaves the table for the details pane, and the arrow keys move between rows.
        table.setTabKeyNavigation(False)
        table.setMouseTracking(True)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(34)

        header = table.horizontalHeader()
        header.setSectionResizeMode(Column.DEVICE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.LOCATION, QHeaderView.ResizeMode.Stretch)
        # Fixed widths: ResizeToContents would measure up to 1,000 rows on every change.
        header.setSectionResizeMode(Column.LAST_ACTIVE, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(Column.STATUS, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(Column.ACTIONS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(Column.LAST_ACTIVE, 130)
        header.resizeSection(Column.STATUS, 110)
        header.resizeSection(Column.ACTIONS, 44)
        header.setHighlightSections(False)

        self.badge_delegate = BadgeDelegate(table)
        self.actions_delegate = ActionsDelegate(table)
        table.setItemDelegateForColumn(Column.STATUS, self.badge_delegate)
        table.setItemDelegateForColumn(Column.ACTIONS, self.actions_delegate)
        self.actions_delegate.sig_menu_requested.connect(self._open_row_menu_at)

        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_context_menu)
        table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.model.dataChanged.connect(self._on_data_changed)
        self.model.modelReset.connect(lambda: self.details.show_session(None))
        self.table = table

    def _build_layout(self) -> None:
        self.details = DetailsPane(self)
        self.alert_banner = QPushButton(self)
        self.alert_banner.setObjectName("alertBanner")
        self.alert_banner.setStyleSheet(looks.alert_banner_style(self.palette()))
        self.alert_banner.setAccessibleDescription(self.tr("Shows the unfamiliar sign-in"))
        self.alert_banner.hide()
        self.alert_banner.clicked.connect(self._on_banner_clicked)
        self._banner_session_id = ""

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 160])
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.alert_banner)
        column.addWidget(splitter, 1)
        self.setCentralWidget(central)

        # Status texts can carry server messages, so they never render as rich text.
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status_label, 1)
        self.notice_label = QLabel()
        self.notice_label.setObjectName("noticeLabel")
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        self.statusBar().addPermanentWidget(self.notice_label, 1)

    def _build_keyboard(self) -> None:
        """Put the filter on the toolbar, add the table's keys and name the toolbar buttons for screen readers."""
        spacer = QWidget(self.toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(self.session_filter)
        self.session_filter.field.escape_target = self.table

        descriptions = {
            self.refresh_action: (self.tr("Refresh"), self.tr("Checks the account's sessions now (Ctrl+R or F5).")),
            self.revoke_others_action: (
                self.tr("Sign out all other sessions"),
                self.tr("Asks for confirmation, then signs out every device except this one."),
            ),
        }
        for action, (name, description) in descriptions.items():
            button = self.toolbar.widgetForAction(action)
            button.setAccessibleName(name)
            button.setAccessibleDescription(description)
            button.setToolTip(description)

        # The Menu key and Shift+F10 open the row menu at the selected row, and Delete opens the sign-out confirmation.
        for keys in (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")):
            shortcut = QShortcut(keys, self.table, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.open_row_menu_for_selection)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        delete.activated.connect(self.confirm_revoke_selection)

        self.setTabOrder(self.session_filter.field, self.table)
        self.setTabOrder(self.table, self.details)

    # State shown by the controller

    def set_signed_in(self, signed_in: bool, account: str = "") -> None:
        for action in (self.refresh_action, self.revoke_others_action, self.sign_out_action):
            action.setEnabled(signed_in)
        self.sign_in_action.setEnabled(not signed_in)
        title = f"{account} — {APP_NAME}" if signed_in and account else APP_NAME
        self.setWindowTitle(title)

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def set_notice(self, text: str) -> None:
        """Show a lasting warning beside the status, such as a sign-in that cannot be remembered."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip(text)
        self.notice_label.setVisible(bool(text))

    def show_alert_banner(self, session_id: str, text: str) -> None:
        """Show an alert inside the window, for desktops without a system tray."""
        self._banner_session_id = session_id
        self.alert_banner.setText(text + "  " + self.tr("(click to review)"))
        self.alert_banner.show()

    def hide_alert_banner(self) -> None:
        self.alert_banner.hide()

    def _on_banner_clicked(self) -> None:
        self.select_session(self._banner_session_id)
        self.alert_banner.hide()

    def bring_forward(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def show_message(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Information) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def selected_session(self) -> Session | None:
        index = self.table.currentIndex()
        return index.data(Role.SESSION) if index.isValid() else None

    def selection_visible(self) -> bool:
        index = self.table.currentIndex()
        return index.isValid() and self.table.viewport().rect().intersects(self.table.visualRect(index))

    def scroll_to_selection(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def select_session(self, session_id: str) -> bool:
        row = self.model.row_of(session_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)
        return True

    # Row menu

    def build_row_menu(self, session: Session) -> QMenu:
        """Build the menu that right-click and the "…" button both open."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)

        sign_out = menu.addAction(self.tr("Sign out this session…"))
        sign_out.setObjectName("signOutSession")
        if session.current:
            sign_out.setEnabled(False)
            reason = menu.addAction(
                self.tr("This is the session Session Guard is using. Use Account → Sign out of Session Guard to end it.")
            )
            reason.setObjectName("currentSessionReason")
            reason.setEnabled(False)
        else:
            sign_out.triggered.connect(lambda: self.confirm_revoke(session))

        if not session.current:
            trust = menu.addAction(self.tr("Trust this device"))
            trust.setObjectName("trustDevice")
            trust.setToolTip(self.tr("Stop alerting on this device and place for this account."))
            trust.triggered.connect(lambda: self.sig_trust_requested.emit(session.id))
        row = self.model.row_of(session.id)
        if row is not None and self.model.index(row, 0).data(Role.UNFAMILIAR):
            dismiss = menu.addAction(self.tr("Dismiss alert"))
            dismiss.setObjectName("dismissAlert")
            dismiss.triggered.connect(lambda: self.sig_acknowledge_requested.emit(session.id))

        menu.addSeparator()
        copy_ip = menu.addAction(self.tr("Copy IP address"))
        copy_ip.setObjectName("copyIp")
        copy_ip.setEnabled(bool(session.ip_address))
        copy_ip.triggered.connect(lambda: QGuiApplication.clipboard().setText(session.ip_address))
        details = menu.addAction(self.tr("Details"))
        details.setObjectName("showDetails")
        details.triggered.connect(lambda: self.show_details(session.id))
        return menu

    def show_details(self, session_id: str) -> None:
        """Select the session and move the keyboard focus to its details."""
        if self.select_session(session_id):
            self.details.focus_first_field()

    def _on_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if index.isValid():
            self._open_row_menu_at(index, self.table.viewport().mapToGlobal(position))

    def open_row_menu_for_selection(self) -> None:
        """Open the row menu under the selected row, for the keyboard."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        self.table.scrollTo(index)
        cell = self.table.visualRect(index.siblingAtColumn(Column.DEVICE))
        self._open_row_menu_at(index, self.table.viewport().mapToGlobal(cell.bottomLeft()))
        first_enabled = next((action for action in self.row_menu.actions() if action.isEnabled()), None)
        if first_enabled is not None:
            self.row_menu.setActiveAction(first_enabled)

    def confirm_revoke_selection(self) -> QMessageBox | None:
        """Open the sign-out confirmation for the selected session, or for the app's own session a message saying why it cannot."""
        session = self.selected_session()
        if session is None:
            return None
        if session.current:
            return self.show_message(
                self.tr("Sign out this session"),
                self.tr("This is the session Session Guard is using. Use Account → Sign out of Session Guard to end it."),
            )
        return self.confirm_revoke(session)

    def _open_row_menu_at(self, index: QModelIndex, global_position: QPoint) -> None:
        session = index.data(Role.SESSION)
        if session is None:
            return
        self.select_session(session.id)
        self.row_menu = self.build_row_menu(session)
        self.row_menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.row_menu.popup(global_position)

    # Confirmations

    def _confirm(self, title: str, text: str, informative: str, accept_text: str, on_accept) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, self)
        # The text names the session's device, which comes from its User-Agent.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(informative)
        accept = box.addButton(accept_text, QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished() -> None:
            if box.clickedButton() is accept:
                on_accept()
            if self.confirmation is box:
                self.confirmation = None

        box.finished.connect(finished)
        self.confirmation = box
        box.open()
        return box

    def confirm_revoke(self, session: Session) -> QMessageBox:
        device = labels.device_label(session.device)
        place = labels.location_label(session)
        return self._confirm(
            self.tr("Sign out this session?"),
            self.tr("Sign out %1 (%2)?").replace("%1", device).replace("%2", place),
            self.tr("That device loses access at once and must sign in again with the password and 2FA, if enabled."),
            self.tr("Sign out"),
            lambda: self.sig_revoke_requested.emit(session.id),
        )

    def confirm_revoke_others(self) -> QMessageBox:
        others = sum(1 for session in self.model.sessions() if not session.current)
        return self._confirm(
            self.tr("Sign out all other sessions?"),
            self.tr("Sign out every device except this one?")
            if others != 1
            else self.tr("Sign out the one other device?"),
            self.tr(
                "Every other device, browser and app loses access at once and must sign in again "
                "with the password and 2FA, if enabled. Session Guard stays signed in."
            ),
            self.tr("Sign out all others"),
            self.sig_revoke_others_requested.emit,
        )

    # Events

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.details.show_session(current.data(Role.SESSION) if current.isValid() else None)

    def _on_rows_about_to_be_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        # Qt would move the selection to the next row, so a later Sign out or Trust
        # could act on a device the user never picked. The selection is cleared instead.
        current = self.proxy.mapToSource(self.table.currentIndex())
        if current.isValid() and first <= current.row() <= last:
            QTimer.singleShot(0, self._clear_selection)

    def _clear_selection(self) -> None:
        self.table.selectionModel().clear()
        self.details.show_session(None)

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        # Time labels change every 30 s; the details pane only needs a changed record.
        if top_left.column() > Column.LOCATION:
            return
        current = self.proxy.mapToSource(self.table.currentIndex())
        if current.isValid() and top_left.row() <= current.row() <= bottom_right.row():
            self.details.show_session(current.data(Role.SESSION))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "alert_banner"):
            self.alert_banner.setStyleSheet(looks.alert_banner_style(self.palette()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.sig_shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            # The app keeps watching from the tray.
            event.ignore()
            self.hide()
            return
        self.sig_quit_requested.emit()
        event.accept()
