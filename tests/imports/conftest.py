"""Fixtures for the importers: a site with an address, and `btl import` run in-process."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from belowtheline.discussion.models import Article, Comment
from belowtheline.sites.models import Site
from tests.sites.factories import SiteFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def gazette(db) -> Site:
    return SiteFactory(slug="gazette", name="The Valley Gazette",
                       allowed_origins="https://news.example\nhttps://www.news.example")


class Imported:
    def __init__(self, out: str) -> None:
        self.out = out


@pytest.fixture
def btl_import():
    """`btl import FORMAT FILE --site gazette …` as the command runs it; its output."""

    def run(fmt: str, path: Path | str, *args: str, site: str = "gazette") -> str:
        out = StringIO()
        call_command("import", fmt, str(path), "--site", site, "--no-progress", *args,
                     stdout=out, stderr=StringIO())
        return out.getvalue()

    return run


def comments_of(site: Site) -> dict[str, Comment]:
    """The site's comments by their text (the fixtures' texts are unique)."""
    return {c.text: c for c in Comment.objects.filter(site=site).select_related(
        "author", "parent", "thread_root", "article")}


def nothing_imported(site: Site) -> bool:
    return not Comment.objects.filter(site=site).exists() and \
        not Article.objects.filter(site=site).exists()


def disqus_export(path: Path, *, threads: int, posts: int, first_thread: int = 0) -> Path:
    """A generated Disqus export: `threads` threads of `posts` posts, every second one a
    reply to the one before it."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                  'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(first_thread, first_thread + threads):
            out.write(f'<thread dsq:id="{t}"><forum>gazette</forum>'
                      f"<link>https://news.example/story/{t}/</link><title>Story {t}</title>"
                      "<createdAt>2015-01-01T00:00:00Z</createdAt></thread>\n")
        for t in range(first_thread, first_thread + threads):
            for p in range(posts):
                pid = t * 10_000 + p
                parent = f'<parent dsq:id="{pid - 1}"/>' if p % 2 else ""
                out.write(f'<post dsq:id="{pid}"><message><![CDATA[<p>Comment {pid}</p>]]>'
                          f"</message><createdAt>2015-01-02T00:{p // 60 % 60:02}:{p % 60:02}Z"
                          "</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
                          f"<author><name>Reader {p % 7}</name><email>r{p % 7}@example.org"
                          f'</email></author><thread dsq:id="{t}"/>{parent}</post>\n')
        out.write("</disqus>\n")
    return path


def database_url() -> str:
    """This test run's own database, for a `btl` subprocess to work on."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
