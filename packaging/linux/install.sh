#!/usr/bin/env bash
# Install the PyInstaller build of Session Guard and its desktop integration under PREFIX.
#
#   packaging/linux/install.sh PREFIX [BUILD_DIR]
#
# BUILD_DIR is the one-folder app that `pyinstaller packaging/session-guard.spec`
# makes (default: dist/session-guard in the repository). It installs:
#
#   PREFIX/lib/session-guard/                          the app folder
#   PREFIX/bin/session-guard                           a relative symlink to its executable
#   PREFIX/share/applications/APP_ID.desktop           the launcher
#   PREFIX/share/metainfo/APP_ID.metainfo.xml          AppStream metadata for software centres
#   PREFIX/share/icons/hicolor/scalable/apps/APP_ID.svg
#   PREFIX/share/icons/hicolor/symbolic/apps/APP_ID-symbolic.svg
#
# PREFIX is, for example, ~/.local for one user or /usr/local for everyone. An app
# folder that is already installed is replaced. The script does not refresh the
# desktop database or the icon cache. Where the desktop needs them, run
# `update-desktop-database PREFIX/share/applications` and
# `gtk-update-icon-cache PREFIX/share/icons/hicolor` afterwards.
set -euo pipefail

APP_ID=io.github.sessionguard.SessionGuard
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PREFIX [BUILD_DIR]" >&2
    exit 2
fi
PREFIX=$1
BUILD_DIR=${2:-$ROOT/dist/session-guard}

if [ ! -x "$BUILD_DIR/session-guard" ]; then
    echo "install.sh: $BUILD_DIR/session-guard not found; build it first with" >&2
    echo "  pyinstaller --noconfirm packaging/session-guard.spec" >&2
    exit 1
fi

mkdir -p "$PREFIX/bin" "$PREFIX/lib" "$PREFIX/share/applications" "$PREFIX/share/metainfo" \
    "$PREFIX/share/icons/hicolor/scalable/apps" "$PREFIX/share/icons/hicolor/symbolic/apps"

# Copy to a new folder first, so a failed copy leaves an installed version intact.
rm -rf "$PREFIX/lib/session-guard.new"
cp -R "$BUILD_DIR" "$PREFIX/lib/session-guard.new"
rm -rf "$PREFIX/lib/session-guard"
mv "$PREFIX/lib/session-guard.new" "$PREFIX/lib/session-guard"
# Relative, so the installed tree can be moved or packaged from a staging PREFIX.
# The PyInstaller executable finds its _internal folder through the resolved path.
ln -sfn ../lib/session-guard/session-guard "$PREFIX/bin/session-guard"

install -m 644 "$HERE/$APP_ID.desktop" "$PREFIX/share/applications/$APP_ID.desktop"
install -m 644 "$HERE/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
# The scalable icon is the icon that the app shows in its own window.
install -m 644 "$ROOT/desktop_app/resources/app.svg" "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
install -m 644 "$HERE/$APP_ID-symbolic.svg" "$PREFIX/share/icons/hicolor/symbolic/apps/$APP_ID-symbolic.svg"

echo "Installed Session Guard in $PREFIX"
