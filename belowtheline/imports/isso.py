"""An Isso database (its `comments.db`), read with SQLite, never written.

Isso has shipped these schemas (isso/db/__init__.py, `PRAGMA user_version` 0 to 5):
`threads(id, uri, title)` and `comments(tid, id, parent, created, modified, mode,
remote_addr, text, author, email, website, likes, dislikes, voters)`, with
`notification` added at version 4 (older databases do not have it) and `text` made
NOT NULL at version 5. Before version 3 replies could nest at any depth; we keep the
parent links either way. `created` is a Unix time (a float). `mode`: 1 accepted,
2 waiting for moderation (→ pending), 4 deleted but kept because it has replies
(→ deleted, a tombstone with its replies under it). Authors may have no name and no email
(anonymous): they become one "Anonymous" author, never a crash.

Isso keeps page paths (`/2019/05/a-story/`), not addresses: they are joined to the site's
own address, its first allowed origin, or to `--base-url`. A `uri` that already is an
absolute address is taken as it is. The file is opened read-only and immutable, so a
database Isso is still writing to is neither locked nor changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from belowtheline.imports import records as r
from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.text import html_to_text

REQUIRED_COMMENT_COLUMNS = {"tid", "id", "parent", "created", "mode", "text", "author"}
MODES = {1: r.PUBLISHED, 2: r.PENDING, 4: r.DELETED}
BATCH = 1000


class IssoDatabase:
    def __init__(self, path: Path, *, base_url: str) -> None:
        self.path = path
        self.base_url = base_url.rstrip("/")
        self.source = f"isso:{self.base_url}"

    def _connect(self) -> sqlite3.Connection:
        with self.path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise ImportRefused("wrong_format", "this is not an SQLite database, so not "
                                    "an Isso database (comments.db).")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1"
        try:
            con = sqlite3.connect(uri, uri=True)
            tables = {row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise ImportRefused("file_not_a_database",
                                f"the file is not a readable SQLite database ({exc}).") from None
        if not {"threads", "comments"} <= tables:
            con.close()
            raise ImportRefused("wrong_format", "this SQLite database is not Isso's: it has "
                                "no threads and comments tables.")
        columns = {row[1] for row in con.execute("PRAGMA table_info(comments)")}
        missing = REQUIRED_COMMENT_COLUMNS - columns
        if missing:
            con.close()
            raise ImportRefused("wrong_format", "this database's comments table lacks "
                                f"{', '.join(sorted(missing))}: not an Isso schema.")
        self.has_email = "email" in columns
        return con

    def url_for(self, uri: str | None) -> str | None:
        uri = (uri or "").strip()
        if not uri:
            return None
        if uri.startswith(("http://", "https://")):
            return uri
        return f"{self.base_url}/{uri.lstrip('/')}"

    def records(self) -> Iterator[r.Record]:
        con = self._connect()
        try:
            yield from self._read(con)
        except sqlite3.DatabaseError as exc:
            raise ImportRefused("file_not_a_database",
                                f"the database could not be read ({exc}).") from None
        finally:
            con.close()

    def _read(self, con: sqlite3.Connection) -> Iterator[r.Record]:
        last = None
        while True:  # threads, in id order, a page at a time
            rows = con.execute(
                "SELECT id, uri, title FROM threads WHERE ? IS NULL OR id > ? "
                "ORDER BY id LIMIT ?", (last, last, BATCH)).fetchall()
            if not rows:
                break
            for tid, uri, title in rows:
                yield r.ThreadRecord(source_id=str(tid), url=self.url_for(uri),
                                     title=" ".join((title or "").split())[:300])
            last = rows[-1][0]
        email = "email" if self.has_email else "NULL"
        last = None
        while True:
            rows = con.execute(
                f"SELECT id, tid, parent, created, mode, text, author, {email} FROM comments "
                "WHERE ? IS NULL OR id > ? ORDER BY id LIMIT ?",  # noqa: S608 (a column name)
                (last, last, BATCH)).fetchall()
            if not rows:
                break
            for cid, tid, parent, created, mode, text, author, mail in rows:
                yield self._comment(cid, tid, parent, created, mode, text, author, mail)
            last = rows[-1][0]

    def _comment(self, cid: object, tid: object, parent: object, created: object,
                 mode: object, text: object, author: object, mail: object) -> r.Record:
        source_id = str(cid)
        try:
            moment = r.parse_timestamp(created)
        except r.BadValue as exc:
            return r.BadRecord("comment", source_id, str(exc))
        status = MODES.get(mode if isinstance(mode, int) else -1)
        if status is None:
            return r.BadRecord("comment", source_id, f"unknown Isso mode {mode!r}")
        name = author.strip() if isinstance(author, str) else ""
        return r.CommentRecord(
            source_id=source_id, thread_ref=str(tid),
            parent_ref="" if parent is None else str(parent),
            author_key=r.author_key(email=mail if isinstance(mail, str) else "", name=name),
            author_name=name or r.ANONYMOUS,
            text=html_to_text(text if isinstance(text, str) else ""),
            status=status, created_at=moment,
        )
