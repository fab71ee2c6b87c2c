"""`btl backup` while readers post, and `btl restore` on another machine's var/ directory.

The restore runs as an operator would run it, `btl restore FILE` in a fresh process with
its own BTL_VAR_DIR, and the restored file is read back with plain sqlite3: what a
newsroom would find after losing its server.
"""

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from belowtheline.discussion import services
from belowtheline.discussion.models import Comment

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="btl backup copies SQLite installs; "
                                 "PostgreSQL uses pg_dump (README, Backups)")


def btl(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    env["BTL_VAR_DIR"] = str(var_dir)
    return subprocess.run([sys.executable, "-m", "belowtheline.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_readers_post_restores_every_comment_acknowledged_before_it(
        site, article, subscriber, tmp_path, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    acknowledged: list[int] = []
    stop = threading.Event()

    def keep_posting() -> None:
        try:
            n = 0
            while not stop.is_set():
                comment = services.post_comment(site=site, article=article, author=subscriber,
                                                text=f"Posted during the backup, number {n}")
                acknowledged.append(comment.pk)
                n += 1
        finally:
            connection.close()

    for n in range(30):
        services.post_comment(site=site, article=article, author=subscriber,
                              text=f"Posted before the backup, number {n}")
    writer = threading.Thread(target=keep_posting)
    writer.start()
    try:
        while len(acknowledged) < 20:
            stop.wait(0.01)
        before_backup = set(acknowledged) | set(
            Comment.objects.filter(article=article).values_list("pk", flat=True))
        call_command("backup", str(tmp_path / "nightly.tar.gz"))
    finally:
        stop.set()
        writer.join()
    assert len(acknowledged) > 20  # the writer kept writing while the backup ran

    elsewhere = tmp_path / "new-server"
    restored = btl("restore", str(tmp_path / "nightly.tar.gz"), var_dir=elsewhere)
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout
    assert "secret key" in restored.stdout

    db = sqlite3.connect(elsewhere / "btl.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_backup = {pk for (pk,) in db.execute(
        "SELECT id FROM discussion_comment WHERE article_id = ?", (article.pk,))}
    assert before_backup <= in_backup
    # the snapshot is consistent: the article's count matches the comments it holds
    count = db.execute("SELECT comment_count FROM discussion_article WHERE id = ?",
                       (article.pk,)).fetchone()[0]
    assert count == len(in_backup)
    # the secret key came back too, so sessions and signed links survive the move
    original_key = (Path(settings.VAR_DIR) / "secret_key").read_text()
    assert (elsewhere / "secret_key").read_text() == original_key


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restore_asks_before_replacing_a_database_and_refuses_what_is_not_a_backup(
        site, article, subscriber, tmp_path):
    services.post_comment(site=site, article=article, author=subscriber, text="Keep me")
    call_command("backup", str(tmp_path / "good.tar.gz"))
    target = tmp_path / "server"
    assert btl("restore", str(tmp_path / "good.tar.gz"), var_dir=target).returncode == 0

    again = btl("restore", str(tmp_path / "good.tar.gz"), var_dir=target)
    assert again.returncode != 0
    assert "--yes" in again.stderr

    (tmp_path / "notes.txt").write_text("not a backup")
    good = (tmp_path / "good.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(good[: len(good) // 2])
    before = (target / "btl.sqlite3").read_bytes()
    for bad in ("notes.txt", "cut.tar.gz", "missing.tar.gz"):
        refused = btl("restore", "--yes", str(tmp_path / bad), var_dir=target)
        assert refused.returncode != 0, bad
        assert "Traceback" not in refused.stderr
        assert bad in refused.stderr
    assert (target / "btl.sqlite3").read_bytes() == before  # nothing was touched


@pytest.mark.skipif(ON_SQLITE, reason="the refusal is for PostgreSQL installs")
@pytest.mark.django_db
def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="pg_dump"):
        call_command("backup", str(tmp_path / "x.tar.gz"))
    assert not (tmp_path / "x.tar.gz").exists()
