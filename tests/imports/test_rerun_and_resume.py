"""Safe to run again: killed midway (kill -9) it leaves nothing half-visible and the next
run completes it; a newer export merges instead of duplicating."""

import os
import signal
import subprocess
import sys
import time

from django.db.models import Count, Q

from belowtheline.discussion.models import Article, Comment
from belowtheline.imports.models import ImportedComment
from tests.imports.conftest import FIXTURES, database_url, disqus_export
from tests.sites.factories import SiteFactory

THREADS, POSTS = 300, 30


def _whole_threads_only(site) -> None:
    """Every article shows all its comments or none, with counts and versions to match."""
    for article in Article.objects.filter(site=site).annotate(
            shown=Count("comments", filter=Q(comments__status="published"))):
        assert article.shown in (0, POSTS), article.canonical_url
        assert article.comment_count == article.shown
        if article.shown:
            assert article.thread_version > 0


def test_killed_midway_nothing_is_half_visible_and_the_next_run_completes(
        transactional_db, tmp_path, btl_import):
    site = SiteFactory(slug="gazette", allowed_origins="https://news.example")
    export = disqus_export(tmp_path / "big.xml", threads=THREADS, posts=POSTS)
    env = {**os.environ, "DATABASE_URL": database_url()}
    process = subprocess.Popen(
        [sys.executable, "-m", "belowtheline.cli", "import", "disqus", str(export),
         "--site", "gazette", "--no-progress"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not Comment.objects.filter(site=site).exists():
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    shown = Comment.objects.filter(site=site).count()
    assert 0 < shown < THREADS * POSTS, "killed midway"
    _whole_threads_only(site)

    out = btl_import("disqus", export)
    assert f"comments already imported before: {shown:,}" in out
    assert Comment.objects.filter(site=site).count() == THREADS * POSTS
    assert ImportedComment.objects.filter(site=site, comment__isnull=False).count() == \
        THREADS * POSTS  # each once
    _whole_threads_only(site)
    assert not Article.objects.filter(site=site, comment_count=0).exists()


def test_a_newer_export_merges_with_the_earlier_import(gazette, btl_import, tmp_path):
    older = disqus_export(tmp_path / "older.xml", threads=3, posts=4)
    btl_import("disqus", older)
    disqus_export(tmp_path / "newer.xml", threads=4, posts=6)
    out = btl_import("disqus", tmp_path / "newer.xml")
    assert "comments imported: 12 (12 published)" in out  # 2 more in 3 threads, 6 in a new
    assert "comments already imported before: 12" in out
    assert "articles: 1 created, 3 matched" in out
    assert Comment.objects.filter(site=gazette).count() == 24
    for article in Article.objects.filter(site=gazette):
        assert article.comment_count == 6


def test_two_sources_on_one_site_keep_their_own_ids(
        gazette, btl_import):
    btl_import("disqus", FIXTURES / "disqus.xml")
    btl_import("wordpress", FIXTURES / "wordpress.xml")
    again = btl_import("wordpress", FIXTURES / "wordpress.xml")
    assert "nothing changed" in again
    assert Comment.objects.filter(site=gazette).count() == 14 + 6
