"""Baseline for the start-up, memory and idle benchmarks: a bare PySide6 window.

A QMainWindow (980×560, the size of Session Guard's window) with an empty
QTableView. After its first paint it prints "first-paint T", T being
time.monotonic(), and quits; with --stay it keeps running until it is killed.
The first paint is detected the way `desktop_app.ui.first_paint.AfterFirstPaint`
does it in the app: a zero timer queued at the window's first Paint event, so
the time includes the paint and its flush.
"""

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView


class FirstPaint(QObject):
    def __init__(self, window: QMainWindow, stay: bool) -> None:
        super().__init__(window)
        self.window = window
        self.stay = stay
        self.queued = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint and not self.queued:
            self.queued = True
            QTimer.singleShot(0, self, self.report)
        return False

    def report(self) -> None:
        self.window.removeEventFilter(self)
        print(f"first-paint {time.monotonic():.6f}", flush=True)
        if not self.stay:
            QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(980, 560)
    window.setCentralWidget(QTableView(window))
    FirstPaint(window, stay="--stay" in sys.argv[1:])
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
