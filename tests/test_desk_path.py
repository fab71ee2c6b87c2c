"""A moderator's queue page without the rest of Django's stack (`belowtheline/desk_path.py`):
it answers a signed-in moderator exactly as Django would, refuses everyone else exactly as
Django does (by handing them to it), and takes nothing else."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from belowtheline import desk_path, wsgi
from belowtheline.accounts.models import StaffRole
from belowtheline.desk_path import DeskPath
from belowtheline.discussion import services
from belowtheline.moderation import services as moderation
from tests.conftest import make_staff
from tests.test_fastpath import call

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def app(django_app) -> DeskPath:
    return DeskPath(django_app)


@pytest.fixture
def queue(site, rules, reported) -> str:
    """The site's Reported tab, with one reported comment in it."""
    return reverse("moderation_queue", args=[site.slug])


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def cookie(session: str, csrf: str | None = None) -> str:
    value = f"{settings.SESSION_COOKIE_NAME}={session}"
    return f"{value}; {settings.CSRF_COOKIE_NAME}={csrf}" if csrf else value


def csrf_cookie(headers: dict) -> str:
    """The CSRF cookie an answer set (the test's `call` keeps one Set-Cookie header)."""
    found = re.match(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", headers["Set-Cookie"])
    assert found, headers["Set-Cookie"]
    return found.group(1)


def without_tokens(body: bytes) -> str:
    """The page with each form's CSRF token blanked: masked afresh on every answer."""
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', body.decode())


@pytest.mark.parametrize("query", ["", "tab=reported", "tab=held", "tab=decided",
                                   "tab=nonsense&article=x"])
@pytest.mark.parametrize("browser", [False, True])
def test_a_moderator_gets_the_page_django_gives_without_entering_it(
    app, django_app, queue, moderator, comment, query, browser
):
    session = session_of(moderator)
    headers = {"cookie": cookie(session)}
    if browser:  # a browser keeps the CSRF cookie the first answer set
        headers["cookie"] = cookie(session, csrf_cookie(call(app, queue, query, **headers)[1]))
    call(app, queue, query, **headers)  # the tab's rows and frame are kept from here on
    django_app.calls = 0

    status, got, body = call(app, queue, query, **headers)
    assert django_app.calls == 0
    expected = call(wsgi.django_application, queue, query, **headers)
    assert status == expected[0] == "200 OK"
    assert {k: v for k, v in got.items() if k != "Set-Cookie"} == {
        k: v for k, v in expected[1].items() if k != "Set-Cookie"}
    assert without_tokens(body) == without_tokens(expected[2])
    assert "Mona_K" in body.decode()
    if query in ("", "tab=reported"):
        assert f'id="row-{comment.pk}"' in body.decode()


def test_the_answer_is_gzipped_for_a_browser_as_django_gzips_it(app, django_app, queue,
                                                                  moderator):
    headers = {"cookie": cookie(session_of(moderator)), "accept_encoding": "gzip"}
    call(app, queue, **headers)
    django_app.calls = 0
    status, got, _body = call(app, queue, **headers)
    assert django_app.calls == 0
    assert got["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in got["Vary"]
    assert "Cookie" in got["Vary"]


def test_every_form_carries_the_moderators_own_token_never_anothers(
    app, queue, moderator, second_moderator
):
    """The rows and the frame are shared renderings; the token in them is each request's."""
    pages = {}
    for user in (moderator, second_moderator):
        session = session_of(user)
        secret = csrf_cookie(call(app, queue, cookie=cookie(session))[1])
        _status, _headers, body = call(app, queue, cookie=cookie(session, secret))
        tokens = TOKEN.findall(body.decode())
        assert len(tokens) > 3  # the sign-out form, the bulk form, each row's forms
        assert {_unmask_cipher_token(t) for t in tokens} == {secret}
        pages[user.pk] = (secret, body.decode())
    (secret_a, page_a), (secret_b, page_b) = pages.values()
    assert secret_a != secret_b
    assert "Mona_K" in page_a
    assert "Max_P" not in page_a
    assert "Max_P" in page_b
    assert "Mona_K" not in page_b


@pytest.mark.parametrize("who", ["anonymous", "reader", "foreign_moderator", "no_session"])
def test_everyone_else_is_refused_as_django_refuses_them(
    app, django_app, queue, reported, request, who
):
    """A visitor whose session is unknown is sent to sign in; a reader and another site's
    moderator are refused; none of them sees a row, warm as the page may be."""
    make_staff(reported.site, "moderator", "warm_up")
    call(app, queue, cookie=cookie(session_of(
        StaffRole.objects.get(user__username="warm_up").user)))
    if who == "no_session":
        headers = {}
    elif who == "anonymous":
        headers = {"cookie": cookie("no-such-session-key")}
    else:
        headers = {"cookie": cookie(session_of(request.getfixturevalue(who)))}
    django_app.calls = 0

    status, _headers, body = call(app, queue, **headers)
    expected = call(wsgi.django_application, queue, **headers)
    assert django_app.calls == 1  # handed to Django, which answered
    assert status == expected[0]
    assert status[:3] in ("302", "403")
    assert f'id="row-{reported.pk}"'.encode() not in body
    assert reported.text.encode() not in body


def test_a_moderator_removed_from_the_site_is_refused_at_once(app, django_app, queue,
                                                              moderator, reported):
    headers = {"cookie": cookie(session_of(moderator))}
    assert call(app, queue, **headers)[0] == "200 OK"

    StaffRole.objects.filter(user=moderator).delete()
    django_app.calls = 0
    status, _headers, body = call(app, queue, **headers)
    assert status.startswith("403")
    assert django_app.calls == 1
    assert reported.text.encode() not in body


def test_a_deactivated_moderator_is_signed_out_at_once(app, django_app, queue, moderator,
                                                       reported):
    headers = {"cookie": cookie(session_of(moderator))}
    assert call(app, queue, **headers)[0] == "200 OK"

    moderator.is_active = False
    moderator.save()
    status, got, body = call(app, queue, **headers)
    assert status.startswith("302")
    assert got["Location"].startswith(reverse("login"))
    assert reported.text.encode() not in body


def test_a_changed_password_ends_the_old_session_at_once(app, queue, moderator, reported):
    headers = {"cookie": cookie(session_of(moderator))}
    assert call(app, queue, **headers)[0] == "200 OK"

    moderator.set_password("a new and different password")
    moderator.save()
    status, _headers, body = call(app, queue, **headers)
    assert status.startswith("302")
    assert reported.text.encode() not in body


def test_a_signed_out_session_no_longer_opens_the_queue(app, queue, moderator, reported):
    client = Client()
    client.force_login(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert call(app, queue, cookie=cookie(session))[0] == "200 OK"

    client.post(reverse("logout"))
    status, _headers, body = call(app, queue, cookie=cookie(session))
    assert status.startswith("302")
    assert reported.text.encode() not in body


def test_a_decision_shows_on_the_next_page_served_here(app, queue, site, moderator, reported):
    headers = {"cookie": cookie(session_of(moderator))}
    assert f'id="row-{reported.pk}"'.encode() in call(app, queue, **headers)[2]
    moderation.dismiss_reports(site=site, actor=moderator, comment_id=reported.pk)
    assert f'id="row-{reported.pk}"'.encode() not in call(app, queue, **headers)[2]


def test_a_page_with_messages_shows_them_to_its_moderator_alone(app, queue, site, moderator,
                                                                 reported):
    """After a decision the page shows what was done: a message, for this moderator only."""
    client = Client()
    client.force_login(moderator)
    response = client.post(reverse("moderation_dismiss", args=[site.slug, reported.pk]),
                           {"seen_decision": "0"})
    assert response.status_code in (302, 303)
    jar = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    session = cookie(client.cookies[settings.SESSION_COOKIE_NAME].value)
    call(app, queue, cookie=session)  # the page without the message is kept

    status, _headers, body = call(app, queue, cookie=jar)
    assert status == "200 OK"
    assert b"dismissed: it stays on the thread" in body
    assert b"Mona_K" in body
    # The message was this request's alone: the page kept for the others never shows it.
    assert b"dismissed: it stays" not in call(app, queue, cookie=session)[2]


@pytest.mark.parametrize("method", ["POST", "HEAD", "PUT"])
def test_only_a_get_is_taken(app, django_app, queue, moderator, method):
    call(app, queue, method=method, cookie=cookie(session_of(moderator)))
    assert django_app.calls == 1


def test_other_pages_and_credentials_are_left_to_django(app, django_app, queue, site,
                                                        moderator, reported):
    session = cookie(session_of(moderator))
    for path, headers in (
        (reverse("moderation_comment", args=[site.slug, reported.pk]), {"cookie": session}),
        (reverse("moderation_home"), {"cookie": session}),
        ("/moderate/stats/", {"cookie": session}),
        (queue + "extra/", {"cookie": session}),
        (queue, {"cookie": session, "authorization": "Bearer whatever"}),
        (queue, {}),
    ):
        django_app.calls = 0
        call(app, path, **headers)
        assert django_app.calls == 1, path


def test_a_host_django_does_not_serve_is_left_to_it(app, django_app, queue, moderator):
    status, _headers, _body = call(app, queue, cookie=cookie(session_of(moderator)),
                                   host="evil.example")
    assert django_app.calls == 1
    assert status.startswith("400")


def test_a_queue_page_served_from_the_cache_costs_one_query_once_the_session_is_known(
    app, queue, moderator, django_assert_num_queries
):
    """Signed in, a page whose rows and frame are kept reads the site with the session,
    then the account with its role and the queue's version: two round trips, where
    Django's path makes five; and one, once this process knows which account the session
    names."""
    desk_path._accounts_by_session.items.clear()
    headers = {"cookie": cookie(session_of(moderator))}
    call(wsgi.django_application, queue, **headers)
    with django_assert_num_queries(5):
        assert call(wsgi.django_application, queue, **headers)[0] == "200 OK"
    with django_assert_num_queries(2):
        assert call(app, queue, **headers)[0] == "200 OK"
    with django_assert_num_queries(1):
        assert call(app, queue, **headers)[0] == "200 OK"


def test_a_new_report_reaches_the_page_served_here(app, queue, site, moderator, comment,
                                                   other_subscriber, article):
    headers = {"cookie": cookie(session_of(moderator))}
    call(app, queue, **headers)
    newer = services.post_comment(site=site, article=article, author=other_subscriber,
                                  text="Another one for the desk")
    reporter = make_staff(site, "moderator", "someone_else")
    services.report_comment(site=site, comment_id=newer.pk, reporter=reporter,
                            reason="spam")
    assert f'id="row-{newer.pk}"'.encode() in call(app, queue, **headers)[2]


@pytest.mark.parametrize("query", ["q=" + "council " * 20, "q=" + "x" * 600])
def test_a_long_address_is_read_as_the_form_reads_it(app, queue, moderator, comment, query):
    """Addresses of ordinary length are read once per process, longer ones every time:
    both as the form reads them (a search longer than the form allows is dropped)."""
    headers = {"cookie": cookie(session_of(moderator))}
    for _ in range(2):
        status, _headers, body = call(app, queue, query, **headers)
        expected = call(wsgi.django_application, queue, query, **headers)
        assert status == expected[0] == "200 OK"
        assert without_tokens(body) == without_tokens(expected[2])


def test_what_one_request_read_ahead_never_answers_the_next(app, queue, site, moderator,
                                                            second_moderator, reported):
    """The rows read ahead are the request's own: the next request, another moderator's or
    after a change, reads its own."""
    first = {"cookie": cookie(session_of(moderator))}
    second = {"cookie": cookie(session_of(second_moderator))}
    assert b"Mona_K" in call(app, queue, **first)[2]
    assert b"Max_P" in call(app, queue, **second)[2]
    StaffRole.objects.filter(user=second_moderator).update(role="editor")
    page = call(app, queue, **second)[2].decode()
    assert "You are editor here" in page
    moderation.dismiss_reports(site=site, actor=moderator, comment_id=reported.pk)
    assert f'id="row-{reported.pk}"' not in call(app, queue, **first)[2].decode()


def test_a_session_known_to_the_process_still_ends_at_once(app, django_app, queue, moderator,
                                                           second_moderator, reported):
    """What the process remembers of a session (which account it names) only says which row
    to read with it: signed out, deactivated or removed, the next page is refused."""
    client = Client()
    client.force_login(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    for _ in range(2):
        assert call(app, queue, cookie=cookie(session))[0] == "200 OK"
    StaffRole.objects.filter(user=moderator).delete()
    assert call(app, queue, cookie=cookie(session))[0].startswith("403")
    StaffRole.objects.create(site=reported.site, user=moderator, role="moderator")
    assert call(app, queue, cookie=cookie(session))[0] == "200 OK"
    moderator.is_active = False
    moderator.save()
    assert call(app, queue, cookie=cookie(session))[0].startswith("302")
    moderator.is_active = True
    moderator.save()
    assert call(app, queue, cookie=cookie(session))[0] == "200 OK"
    client.post(reverse("logout"))
    status, _headers, body = call(app, queue, cookie=cookie(session))
    assert status.startswith("302")
    assert reported.text.encode() not in body
    # Another moderator's session is never read as this one's account.
    other = session_of(second_moderator)
    for _ in range(2):
        page = call(app, queue, cookie=cookie(other))[2].decode()
        assert "Max_P" in page
        assert "Mona_K" not in page
