"""Backups of a SQLite install: the database and the secret key, in one file.

The secret key is part of the backup because it signs sessions, password-reset links and
the subscriber tokens' CSRF cookies: a database restored without it logs every reader out
and breaks every link in flight. A backup is taken with SQLite's online backup API, which
copies a consistent snapshot while the server goes on taking writes, so it needs no
downtime. PostgreSQL installs use pg_dump or point-in-time recovery (README, "Backups").
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

FORMAT = "btl-backup/1"
DB_MEMBER = "btl.sqlite3"
KEY_MEMBER = "secret_key"
MANIFEST_MEMBER = "manifest.json"
# Cached thread pages and site settings are keyed by version numbers, and Redis keeps them
# for a day. A restored database's versions are those of the backup, and its next changes
# would reuse numbers the lost timeline already cached with other contents; moving every
# version past anything that timeline could have reached keeps them apart.
VERSION_JUMP = 1_000_000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    comments: int
    with_secret_key: bool


def sqlite_path() -> Path:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        raise BackupError(
            "btl backup copies a SQLite install; this one runs on "
            f"{connections['default'].vendor}. Use pg_dump (see the README's Backups section).")
    return Path(db["NAME"])


def _secret_key_file() -> Path:
    return Path(settings.VAR_DIR) / "secret_key"


def _count_comments(conn: sqlite3.Connection) -> int:
    try:
        return conn.execute("SELECT count(*) FROM discussion_comment").fetchone()[0]
    except sqlite3.DatabaseError:
        return 0


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {result}")


def make_backup(destination: Path) -> BackupSummary:
    """Snapshot the live database (and the secret key) into one tar.gz at `destination`.

    Written beside the destination and renamed into place, so a backup cut short by a full
    disk or a kill never leaves a file that looks complete.
    """
    source = sqlite_path()
    if not source.exists():
        raise BackupError(f"there is no database at {source} to back up")
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".btl-backup-") as work:
        copy = Path(work) / DB_MEMBER
        live = sqlite3.connect(source, timeout=30)
        target = sqlite3.connect(copy)
        try:
            # pages=-1: one step, under one read transaction: a consistent snapshot even
            # while other connections write (WAL readers never block writers).
            live.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode=DELETE")
            _check(target, "the copy")
            comments = _count_comments(target)
        finally:
            target.close()
            live.close()
        key_file = _secret_key_file()
        with_key = key_file.exists() and not os.environ.get("SECRET_KEY")
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": str(source),
            "comments": comments,
            "secret_key": "included" if with_key else (
                "not included: SECRET_KEY is set in the environment; keep it with the backup"
                if os.environ.get("SECRET_KEY") else "not included: none found"),
        }
        partial = Path(work) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(copy, arcname=DB_MEMBER)
            if with_key:
                tar.add(key_file, arcname=KEY_MEMBER)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        partial.chmod(0o600)  # it holds the secret key and every reader's data
        os.replace(partial, destination)
    return BackupSummary(destination, destination.stat().st_size, comments, with_key)


@dataclass(frozen=True)
class RestoreSummary:
    database: Path
    comments: int
    secret_key_restored: bool
    created_at: str


def _read_backup(source: Path, work: Path) -> tuple[dict, Path, Path | None]:
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    try:
        with tarfile.open(source, "r:gz") as tar:
            names = set(tar.getnames())
            if MANIFEST_MEMBER not in names or DB_MEMBER not in names:
                raise BackupError(f"{source} is not a btl backup (no {MANIFEST_MEMBER} "
                                  f"and {DB_MEMBER} inside)")
            # Only our own members, extracted by name: no paths from the archive are trusted.
            for name in (MANIFEST_MEMBER, DB_MEMBER, KEY_MEMBER):
                if name in names:
                    member = tar.getmember(name)
                    if not member.isfile():
                        raise BackupError(f"{source}: {name} is not a regular file")
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    (work / name).write_bytes(extracted.read())
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{source} cannot be read as a backup: {exc}") from exc
    try:
        manifest = json.loads((work / MANIFEST_MEMBER).read_text())
    except ValueError as exc:
        raise BackupError(f"{source}: its manifest is not JSON") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of format {manifest.get('format')!r}; "
                          f"this version reads {FORMAT}")
    key = work / KEY_MEMBER
    return manifest, work / DB_MEMBER, key if key.exists() else None


def restore_backup(source: Path) -> RestoreSummary:
    """Put a backup back in place of the configured database (and the secret key).

    The copy is checked before anything is touched; then it is written into the database
    file through SQLite's backup API, page by page under a write lock, so a process that
    still has the file open sees either the old database or the restored one, never a mix.
    """
    target_path = sqlite_path()
    with tempfile.TemporaryDirectory(prefix=".btl-restore-") as work_dir:
        manifest, db_copy, key_copy = _read_backup(source, Path(work_dir))
        copy = sqlite3.connect(db_copy)
        try:
            try:
                _check(copy, "the backup's database")
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"{source}: its database is not a SQLite database "
                                  f"({exc})") from exc
            comments = _count_comments(copy)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            connections.close_all()
            target = sqlite3.connect(target_path, timeout=30)
            try:
                copy.backup(target, pages=-1)
                target.execute("PRAGMA journal_mode=WAL")
                with target:
                    target.execute("UPDATE discussion_article SET thread_version = "
                                   "thread_version + ?", (VERSION_JUMP,))
                    target.execute("UPDATE btl_sites_site SET config_version = "
                                   "config_version + ?", (VERSION_JUMP,))
                _check(target, "the restored database")
            finally:
                target.close()
        finally:
            copy.close()
        restored_key = False
        if key_copy is not None and not os.environ.get("SECRET_KEY"):
            key_file = _secret_key_file()
            key_file.parent.mkdir(parents=True, exist_ok=True)
            partial = key_file.with_suffix(".restoring")
            partial.write_bytes(key_copy.read_bytes())
            partial.chmod(0o600)
            os.replace(partial, key_file)
            restored_key = True
    return RestoreSummary(target_path, comments, restored_key, manifest.get("created_at", "?"))
