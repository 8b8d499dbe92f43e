# SPDX-License-Identifier: MIT
"""sqlite-remote for Python's sqlite3 module.

    import sqlite3, sqlite_remote
    conn = sqlite3.connect(":memory:")
    sqlite_remote.load(conn)
    conn.execute("SELECT remote_engine('pg', 'postgresql://u:p@host/db')")

The package carries the loadable extension (libsqlite_remote.so, built for
this platform and linked with its libpq and libmariadb); loadable_path() is
its path without the suffix, for conn.load_extension() or another host.
"""
import os

__version__ = "0.1.0"
__all__ = ["loadable_path", "load", "__version__"]


def loadable_path():
    """The path of the extension without its suffix (SQLite adds .so)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libsqlite_remote")


def load(conn):
    """Load the extension into the sqlite3 connection conn.

    Extension loading is enabled for the call and disabled again after.
    The sqlite3 module must be built with loadable extension support
    (Debian's is).
    """
    conn.enable_load_extension(True)
    try:
        conn.load_extension(loadable_path())
    finally:
        conn.enable_load_extension(False)
