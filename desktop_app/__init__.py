"""Session Guard: a desktop companion for a web account's Active Sessions."""

__version__ = "0.1.0"
APP_NAME = "Session Guard"
# Reverse-DNS id shared by the .desktop file, the AppStream metainfo, the icons and the
# start-at-login entries, so the desktop can match the window to its launcher.
APP_ID = "io.github.sessionguard.SessionGuard"
