"""Entry script of the PyInstaller build: runs `desktop_app.app:main`.

PyInstaller needs a script file, and `desktop_app/__main__.py` uses a relative
import that fails when it runs as a top-level script.
"""

import sys


def _attach_parent_console() -> None:
    """On Windows, send --version and --help output to the console that started the app.

    The Windows build is a GUI program (no console of its own), so sys.stdout and
    sys.stderr are None and argparse's output would be dropped. When the program was
    started from a console (cmd.exe, PowerShell), attaching to it makes the output
    appear there. Started from Explorer there is no parent console, and nothing changes.
    """
    if sys.platform != "win32" or sys.stdout is not None:
        return
    if not any(arg in ("--version", "--help", "-h") for arg in sys.argv[1:]):
        return
    import ctypes

    attach_parent_process = -1
    if ctypes.windll.kernel32.AttachConsole(attach_parent_process):
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115 - lives until exit
        sys.stderr = sys.stdout


if __name__ == "__main__":
    _attach_parent_console()
    from desktop_app.app import main

    sys.exit(main())
