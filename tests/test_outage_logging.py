"""What the log says while the database is down: one warning line per request, naming the
error's class and message, and its traceback at most once a minute per process, rather
than Django's forty-line traceback for every request of the outage (an 11-second outage
under load wrote thousands of identical ones, burying whatever else happened).

The outage is real (tests/test_health.py's `database_down`); requests go through the
application `btl serve` runs (fast path, desk, viewer and posting paths, Django) and
through Django's test client.
"""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline import health
from tests.api.test_bearer_tokens import SECRET, token
from tests.api.test_thread_cache import wsgi_get
from tests.conftest import make_staff
from tests.test_health import database_down

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_minute(monkeypatch):
    """As in a new process: no traceback logged yet."""
    monkeypatch.setattr(health, "_last_traceback_at", None, raising=False)


def _tracebacks(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.exc_info]


def test_each_request_of_an_outage_is_one_line_and_one_traceback_in_all(
        site, article, caplog, fresh_minute):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    bearer = f"Bearer {token(site, sub='reader-1', name='Rita')}"
    thread = f"/sites/{site.slug}/threads/{article.pk}/"
    client = Client(raise_request_exception=False)
    desk = Client()
    desk.force_login(make_staff(site, "moderator", "mona_k"))
    session = f"sessionid={desk.cookies['sessionid'].value}"
    queue = reverse("moderation_queue", args=[site.slug])
    caplog.set_level(logging.DEBUG)
    with database_down():
        statuses = [
            client.get(thread).status_code,
            client.get(f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread").status_code,
            wsgi_get(thread)[0],
            wsgi_get(thread + "viewer", authorization=bearer)[0],
            wsgi_get(f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread/viewer",
                     authorization=bearer)[0],
            wsgi_get(queue, cookie=session)[0],
        ]
    assert [str(s)[:3] for s in statuses] == ["503"] * 6
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    lines = [r.getMessage() for r in warnings]
    assert len(warnings) == 6, lines
    for line in lines:
        assert line.startswith("Database unavailable, answered 503: GET /"), line
        assert "OperationalError: " in line, line
        assert "\n" not in line
    assert len(_tracebacks(caplog.records)) == 1
    assert _tracebacks(caplog.records)[0] is warnings[0]
    assert "traceback logged at most once a minute" in lines[-1]
