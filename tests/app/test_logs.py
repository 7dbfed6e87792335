"""The log file in the platform's log folder, its rotation and the --debug level."""

from __future__ import annotations

import logging

import pytest

from desktop_app import logs
from desktop_app.app import parse_args


@pytest.fixture
def root_logger():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    httpcore_level = logging.getLogger("httpcore").level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.getLogger("httpcore").setLevel(httpcore_level)


def test_log_file_created(tmp_path, root_logger):
    logs.add_file_handler(tmp_path / "log")
    logging.getLogger("desktop_app.test").warning("written to the file")
    assert "written to the file" in (tmp_path / "log" / logs.LOG_FILE_NAME).read_text(encoding="utf-8")


def test_log_file_rotates(tmp_path, root_logger):
    logs.add_file_handler(tmp_path, max_bytes=200, backup_count=2)
    for number in range(50):
        logging.getLogger("desktop_app.test").warning("line %d of the rotation test", number)
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [logs.LOG_FILE_NAME, logs.LOG_FILE_NAME + ".1", logs.LOG_FILE_NAME + ".2"]


def test_log_file_owner_only(tmp_path, root_logger):
    logs.add_file_handler(tmp_path / "log")
    assert (tmp_path / "log" / logs.LOG_FILE_NAME).stat().st_mode & 0o777 == 0o600


def test_rotated_log_files_owner_only(tmp_path, root_logger):
    logs.add_file_handler(tmp_path, max_bytes=200, backup_count=2)
    for number in range(50):
        logging.getLogger("desktop_app.test").warning("line %d of the rotation test", number)
    modes = {path.name: path.stat().st_mode & 0o777 for path in tmp_path.iterdir()}
    assert set(modes.values()) == {0o600}


def test_new_log_folder_owner_only(tmp_path, root_logger):
    logs.add_file_handler(tmp_path / "log")
    assert (tmp_path / "log").stat().st_mode & 0o777 == 0o700


def test_default_rotation_size():
    assert (logs.MAX_BYTES, logs.BACKUP_COUNT) == (1024 * 1024, 5)


def test_default_log_dir_names_app():
    assert "session-guard" in logs.default_log_dir().parts


def test_debug_flag_parsed():
    assert parse_args(["--debug"]).debug is True


def test_debug_level(root_logger):
    logs.configure(debug=True)
    assert root_logger.level == logging.DEBUG


def test_default_level(root_logger):
    logs.configure(debug=False)
    assert root_logger.level == logging.INFO


def test_debug_keeps_httpcore_at_info(root_logger):
    logs.configure(debug=True)
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.INFO


def test_configure_adds_one_stderr_handler(root_logger):
    before = len(root_logger.handlers)
    logs.configure(debug=True)
    logs.configure(debug=False)
    assert len(root_logger.handlers) == before + 1
