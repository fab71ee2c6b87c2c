"""`btl import isso`: every Isso schema, page paths joined to the site's own address."""

import sqlite3

import pytest
from django.core.management import CommandError

from belowtheline.discussion.models import Article, Comment
from tests.imports.conftest import comments_of, nothing_imported
from tests.imports.fixtures.isso_schemas import COMMENT_ROWS, THREAD_ROWS, make_database


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4, 5])
def test_every_shipped_schema_imports(gazette, btl_import, tmp_path, version):
    db = make_database(tmp_path / "comments.db", version, threads=THREAD_ROWS,
                       comments=COMMENT_ROWS)
    out = btl_import("isso", db)
    assert "comments imported: 6 (1 deleted, 1 pending, 4 published)" in out
    comments = comments_of(gazette)
    deeper = comments["Deeper (schemas before 3 nested at any depth)"]
    assert deeper.parent.text == "A reply, נכון, 🙂"
    assert deeper.thread_root.text.startswith("First!")
    assert comments["Under a deleted comment"].parent.status == Comment.Status.DELETED
    assert comments["Awaiting moderation"].status == Comment.Status.PENDING
    assert comments["A reply, נכון, 🙂"].author.display_name == "Anonymous"
    assert "First! **Markdown** stays as typed, HTML becomes text" in comments


def test_page_paths_join_the_sites_first_allowed_origin(gazette, btl_import, tmp_path):
    db = make_database(tmp_path / "comments.db", 5, threads=THREAD_ROWS,
                       comments=COMMENT_ROWS)
    btl_import("isso", db)
    assert set(Article.objects.filter(site=gazette).values_list("canonical_url",
                                                                flat=True)) == {
        "https://news.example/2019/05/a-story/", "https://news.example/about"}
    assert Article.objects.get(site=gazette, title="A story").comment_count == 4


def test_base_url_overrides_the_sites_address(gazette, btl_import, tmp_path):
    db = make_database(tmp_path / "comments.db", 5, threads=THREAD_ROWS,
                       comments=COMMENT_ROWS)
    btl_import("isso", db, "--base-url", "https://www.news.example/")
    assert Article.objects.filter(
        site=gazette, canonical_url="https://www.news.example/2019/05/a-story/").exists()


def test_a_site_without_an_address_asks_for_base_url(gazette, btl_import, tmp_path):
    gazette.allowed_origins = ""
    gazette.save()
    db = make_database(tmp_path / "comments.db", 5, threads=THREAD_ROWS,
                       comments=COMMENT_ROWS)
    with pytest.raises(CommandError, match="--base-url"):
        btl_import("isso", db)
    assert nothing_imported(gazette)


def test_an_empty_isso_database_imports_nothing_and_succeeds(gazette, btl_import, tmp_path):
    out = btl_import("isso", make_database(tmp_path / "comments.db", 5))
    assert "comments imported: 0" in out
    assert nothing_imported(gazette)


def test_a_file_that_is_not_a_database_is_refused(gazette, btl_import, tmp_path):
    path = tmp_path / "comments.db"
    path.write_text("this is not SQLite\n")
    with pytest.raises(CommandError, match="not an SQLite database"):
        btl_import("isso", path)
    assert nothing_imported(gazette)


def test_a_database_that_is_not_issos_is_refused(gazette, btl_import, tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE posts (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(CommandError, match="not Isso's"):
        btl_import("isso", path)


def test_a_damaged_database_is_refused_with_nothing_imported(gazette, btl_import, tmp_path):
    db = make_database(tmp_path / "comments.db", 5, threads=THREAD_ROWS,
                       comments=COMMENT_ROWS)
    data = db.read_bytes()
    db.write_bytes(data[:100] + b"\xff" * 200 + data[300:])
    with pytest.raises(CommandError):
        btl_import("isso", db)
    assert nothing_imported(gazette)
