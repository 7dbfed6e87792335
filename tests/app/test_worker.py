"""The worker thread that runs network and keyring calls."""

from __future__ import annotations

import sys
import threading

import pytest

from desktop_app.ui.worker import TaskRunner


@pytest.fixture
def runner():
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


def test_task_runs_off_gui_thread(qtbot, runner):
    threads = []
    runner.submit(lambda: threading.current_thread(), threads.append)
    qtbot.waitUntil(lambda: bool(threads))
    assert threads[0] is not threading.main_thread()


def test_callback_runs_on_gui_thread(qtbot, runner):
    threads = []
    runner.submit(lambda: None, lambda _: threads.append(threading.current_thread()))
    qtbot.waitUntil(lambda: bool(threads))
    assert threads[0] is threading.main_thread()


def test_tasks_run_in_order(qtbot, runner):
    results = []
    for number in range(20):
        runner.submit(lambda number=number: number, results.append)
    qtbot.waitUntil(lambda: len(results) == 20)
    assert results == list(range(20))


def test_exception_reaches_error_callback(qtbot, runner):
    failures = []

    def task():
        raise ValueError("boom")

    runner.submit(task, None, failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], ValueError)


def test_busy_until_last_task_done(qtbot, runner):
    results = []
    runner.submit(lambda: 1, results.append)
    assert runner.busy
    qtbot.waitUntil(lambda: bool(results))
    assert not runner.busy


def test_results_keep_their_references(qtbot, runner):
    # PySide6 6.12.0 dropped a reference to each emitted signal argument, which
    # crashed the interpreter after a few thousand polls.
    sentinel = object()
    before = sys.getrefcount(sentinel)
    done = []
    for _ in range(3000):
        runner.submit(lambda: sentinel, done.append)
    qtbot.waitUntil(lambda: len(done) == 3000, timeout=20_000)
    done.clear()
    assert sys.getrefcount(sentinel) == before
