"""What a load balancer and the on-call engineer see when the database goes away.

The outage is real: the connection's settings are pointed at a database that cannot be
opened (a missing directory for SQLite, a closed port for PostgreSQL), so the driver
fails as it does when the server is down; nothing of ours is replaced.
"""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from belowtheline import clock
from belowtheline.integrations.models import WorkerHeartbeat
from belowtheline.worker import TaskLoop


@contextlib.contextmanager
def database_down():
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-btl-dir/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_without_the_database_and_readyz_says_it_is_unavailable(site):
    client = Client(raise_request_exception=False)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    with database_down():
        assert client.get("/healthz").json() == {"status": "ok"}
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down["Retry-After"] == "5"
        assert down.json()["status"] == "unavailable"
        assert down.json()["checks"]["database"] != "ok"


@pytest.mark.django_db(transaction=True)
def test_pages_and_the_api_answer_503_with_retry_after_while_the_database_is_down(
        site, article):
    client = Client(raise_request_exception=False)
    with database_down():
        api = client.get(f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread")
        page = client.get(f"/sites/{site.slug}/threads/{article.pk}/")
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert api.json()["code"] == "database_unavailable"
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "briefly unavailable" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    # and once it is back, so is the thread
    assert client.get(f"/sites/{site.slug}/threads/{article.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_with_worker_wants_a_recent_heartbeat_and_the_worker_outlives_an_outage(site):
    client = Client()
    assert client.get("/readyz?worker=1").status_code == 503  # no worker has ever run
    assert client.get("/readyz").status_code == 200  # the web pages do not need it

    loop = TaskLoop(worker_id="test-worker", interval=0.05)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop.run()
        except BaseException as error:  # the test fails below if the loop ever dies
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not WorkerHeartbeat.objects.filter(worker_id="test-worker").exists():
            assert time.monotonic() < deadline, "the worker never beat"
            time.sleep(0.05)
        assert client.get("/readyz?worker=1").status_code == 200
        # Every thread's connections share these settings: the worker's next passes fail.
        with database_down():
            time.sleep(1.5)
            assert thread.is_alive()
        back = clock.now()
        deadline = time.monotonic() + 30
        while WorkerHeartbeat.objects.get(worker_id="test-worker").beat_at < back:
            assert time.monotonic() < deadline, "the worker did not come back"
            assert thread.is_alive()
            time.sleep(0.05)
        assert errors == []
    finally:
        loop.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert errors == []
