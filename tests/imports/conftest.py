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
