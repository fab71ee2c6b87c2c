"""Our hand-written reads (`belowtheline/rows.py`): rows mapped as the ORM maps them, and on
PostgreSQL, prepared once per session so that the database does not plan them again on
every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from belowtheline import rows
from belowtheline.discussion import selectors
from belowtheline.sites.models import Site
from tests.conftest import on_postgresql


def test_a_row_read_with_another_tables_row_is_the_instance_the_orm_gives(site, article):
    """The site with its article in one query: both as `Model.objects.get` returns them,
    field by field (datetimes, booleans and JSON through the same converters)."""
    found, theirs = selectors.site_and_article(slug=site.slug, article_id=article.pk)
    fresh_site = Site.objects.get(pk=site.pk)
    fresh_article = type(article).objects.get(pk=article.pk)
    for instance, expected in ((found, fresh_site), (theirs, fresh_article)):
        for field in type(expected)._meta.concrete_fields:
            assert getattr(instance, field.attname) == getattr(expected, field.attname), field
    assert selectors.site_and_article(slug=site.slug, article_id=article.pk + 999)[1] is None


@pytest.mark.skipif(not on_postgresql(), reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_read_is_prepared_once_per_session_and_survives_losing_it(
    site, article
):
    sql = f"SELECT slug FROM {rows.table(Site)} WHERE id = %s AND slug = %s"
    params = [site.pk, site.slug]
    assert rows.fetch(sql, params, prepare=False) == [(site.slug,)]
    with CaptureQueriesContext(connection) as first:
        assert rows.fetch(sql, params, prepare=True) == [(site.slug,)]
    with CaptureQueriesContext(connection) as again:
        assert rows.fetch(sql, params, prepare=True) == [(site.slug,)]
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE", "EXECUTE"]
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["EXECUTE"]
    # A session that lost its statements (DISCARD ALL, as a pooler may send) prepares
    # again instead of failing the request.
    try:
        with connection.cursor() as cursor:
            cursor.execute("DISCARD ALL")
        assert rows.fetch(sql, [site.pk, "no-such-site"], prepare=True) == []
        assert rows.fetch(sql, params, prepare=True) == [(site.slug,)]
    finally:
        connection.close()  # DISCARD ALL reset the session's settings too (its time zone)
