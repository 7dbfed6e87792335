"""Session Guard: a desktop companion for a web account's Active Sessions."""

__version__ = "0.1.0"
APP_NAME = "Session Guard"
