"""Isso 0.14, the comparison: its own venv, its config, seeding through its own HTTP API.

Run as its documentation recommends for production: gunicorn with `isso.run` (2 workers,
--preload), SQLite, moderation off. The one change from its defaults is `[guard]
enabled = false`, because the guard's rate limit (2 new comments per minute per address)
would stop the seeding and the posting case at once; everything else (pbkdf2 hashes, the
markdown renderer) is as shipped.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.shape import author_name, comment_text, thread_shape

ISSO_URI = "/hot"

CONFIG = """\
[general]
dbpath = {db}
host = http://127.0.0.1:{port}/
max-age = 15m
notify = stdout
gravatar = false
latest-enabled = false

[moderation]
enabled = false

[server]
listen = http://127.0.0.1:{port}/

[guard]
enabled = false
ratelimit = 2
direct-reply = 3
reply-to-self = false
require-author = false
require-email = false
"""


def write_config(directory: Path, port: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "comments.db"
    for stale in directory.glob("comments.db*"):
        stale.unlink()
    path = directory / "isso.cfg"
    path.write_text(CONFIG.format(db=db, port=port))
    return path


def command(venv: Path, port: int) -> list[str]:
    return [str(venv / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "--preload",
            "--log-level", "warning", "isso.run"]


def _post(conn: http.client.HTTPConnection, data: dict[str, object]) -> int:
    conn.request("POST", f"/new?uri={ISSO_URI}", body=json.dumps(data),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status not in (201, 202):
        raise RuntimeError(f"Isso refused a seed comment: {response.status} {body[:200]!r}")
    return int(json.loads(body)["id"])


def seed(port: int, size: int = 3000, workers: int = 4) -> int:
    """Post the hot thread's shape: top-level comments first (in order), then the replies,
    with the same texts and names as ours. Returns the number posted."""
    parents = thread_shape(size, 0)
    ids: dict[int, int] = {}
    first = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids[0] = _post(first, {"text": comment_text(0), "author": author_name(0),
                           "title": "A story with 3000 comments"})

    def post_many(indexes: list[int]) -> list[tuple[int, int]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = []
        for n in indexes:
            data: dict[str, object] = {"text": comment_text(n), "author": author_name(n)}
            if parents[n] is not None:
                data["parent"] = ids[parents[n]]  # type: ignore[index]
            out.append((n, _post(conn, data)))
        conn.close()
        return out

    tops = [n for n in range(1, size) if parents[n] is None]
    replies = [n for n in range(1, size) if parents[n] is not None]
    # Posted in parallel, except the newest top-level comments, posted one by one in order:
    # "newest first" must put the same 50 at the top of Isso's first page as of ours.
    in_order = tops[-60:]
    for group in (tops[:-60], replies):
        chunks = [group[i::workers] for i in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            for done in pool.map(post_many, chunks):
                ids.update(done)
        if group is not replies:
            ids.update(post_many(in_order))
    return len(ids)


def first_page_path() -> str:
    """Newest first, 50 top-level comments with their replies: our thread's first page."""
    return f"/?uri={ISSO_URI}&limit=50&sort=newest"


def posted_check(directory: Path, marker: str, acked_ids: list[int]) -> dict[str, int]:
    with sqlite3.connect(directory / "comments.db") as db:
        rows = db.execute("SELECT id, text FROM comments WHERE text LIKE ?",
                          (marker + "%",)).fetchall()
    stored = {pk for pk, _ in rows}
    texts = [text for _, text in rows]
    acked = set(acked_ids)
    return {"acked": len(acked_ids), "acked_distinct": len(acked), "stored": len(rows),
            "lost": len(acked - stored), "duplicate_texts": len(texts) - len(set(texts)),
            "stored_not_acked": len(stored - acked)}
