"""Schema versions of reviewer's SQLite files: each file's schema is a list of migrations.

A file records in `PRAGMA user_version` how many migrations of its list it has had; opening
it applies the rest, in order, in one write transaction, so a process killed half-way leaves
the file as it was, and a second process opening it at the same moment waits and then finds
nothing left to do. The first migration of each list is the schema as it stood before
versions were kept (every statement `IF NOT EXISTS`): a file made then reads as version 0
and is brought up like a new one.

A released migration is never edited: a change of schema is a new function at the end of
the list. A file whose version is past the end of the list was made by a newer reviewer and
is refused (SchemaError) rather than misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]


class SchemaError(Exception):
    """A database made by a newer reviewer than this one."""


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration], *, name: str) -> int:
    """Apply the migrations `db` has not had; returns its version. `db` must be in
    autocommit mode (isolation_level=None): the migrations run in a transaction of their own."""
    latest = len(migrations)
    if schema_version(db) == latest:  # the usual case: no write lock taken
        return latest
    db.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(db)  # read again under the lock: another process may have migrated it
        if version > latest:
            raise SchemaError(
                f"{name}: made by a newer version of reviewer (schema version {version}; this one reads up to "
                f"{latest}): upgrade reviewer, or use another folder"
            )
        for number, step in enumerate(migrations[version:], version + 1):
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return latest


def execute_script(db: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated statements inside the current transaction (sqlite3's executescript
    would commit it first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
