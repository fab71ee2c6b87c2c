"""The thread API from the shared cache: every change reaches the next read, the shared
body never carries one reader's part, and a signed-in reader's answer is exactly the one
rendered for them.

Reads go through Django's test client (the cache, ETags, the composition) and, where the
fast path in front of Django matters, through `belowtheline.wsgi.application` itself.
"""

import gzip
import json
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import jwt
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from belowtheline import clock
from belowtheline.api.presenters import thread_fields
from belowtheline.api.schemas import ThreadOut, ThreadViewerOut
from belowtheline.discussion import selectors, thread_cache
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment
from belowtheline.moderation import services as moderation
from belowtheline.wsgi import application
from tests.api.conftest import api_path
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory

SECRET = "the-gazettes-shared-secret-0123456789abcdef"
PUBLISHER = "https://www.gazette.example"


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    settings.BTL_RATE_LIMITS = {
        **settings.BTL_RATE_LIMITS,
        "comment": "100000/60", "recommend": "100000/60", "report": "100000/60",
    }


@pytest.fixture
def sso_site(site, rules):
    site.sso_algorithm = "HS256"
    site.sso_secret = SECRET
    site.allowed_origins = PUBLISHER
    site.save()
    return site


def bearer(site, subject: str = "p-1001", name: str = "Token Tess") -> dict[str, str]:
    now = clock.now()
    token = jwt.encode(
        {"sub": subject, "name": name, "subscriber": True, "aud": site.slug,
         "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())},
        SECRET, algorithm="HS256",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def thread_path(site, article, query: str = "") -> str:
    return api_path(site, f"articles/{article.pk}/thread{query}")


def viewer_path(site, article, query: str = "") -> str:
    return api_path(site, f"articles/{article.pk}/thread/viewer{query}")


def rendered_for(site, article, user, *, sort="newest", page=1, query="") -> dict[str, Any]:
    """What the thread endpoint answered before the cache: the page rendered for `user`
    by the selectors, as JSON, for a request with `query`. The composed answers must
    equal it."""
    order = selectors.parse_sort(sort)
    now = clock.now()
    article = Article.objects.get(pk=article.pk, site=site)
    thread = selectors.thread_page(site=site, article=article, sort=order, page=page,
                                   viewer=user)
    standing = selectors.viewer_standing(site=site, user=user, now=now)
    asked = QueryDict(query, mutable=True)
    asked["sort"], asked["page"] = order.value, str(page + 1)
    next_page = thread_path(site, article, f"?{asked.urlencode()}") if thread.has_more else None
    document = thread_fields(thread, site=site, standing=standing, next_page=next_page,
                             now=now)
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def wsgi_get(path: str, query: str = "", **headers: str) -> tuple[str, dict[str, str], bytes]:
    """One GET through the application `btl serve` runs, fast path included."""
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost", "wsgi.input": BytesIO(), "wsgi.errors": BytesIO(),
        "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    # As Django's test client does: the test's database connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


# --- every change reaches the next anonymous read ----------------------------------------

def _post(site, article, author, text, parent=None):
    return discussion.post_comment(site=site, article=article, author=author, text=text,
                                   parent=parent)


def _by_id(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    found = {}
    for top in body["comments"]:
        found[top["id"]] = top
        for reply in top["replies"]:
            found[reply["id"]] = reply
    return found


Change = Callable[..., Callable[[dict[str, Any]], bool]]


def _posted(site, article, comment, people):
    new = _post(site, article, people["other"], "A fresh view.")
    return lambda body: _by_id(body)[new.pk]["text"] == "A fresh view."


def _replied(site, article, comment, people):
    new = _post(site, article, people["other"], "A fresh reply.", parent=comment)
    return lambda body: [r["id"] for r in _by_id(body)[comment.pk]["replies"]] == [new.pk]


def _edited(site, article, comment, people):
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=people["author"],
                                text="Corrected.")
    return lambda body: (_by_id(body)[comment.pk]["text"], _by_id(body)[comment.pk]["edited"]) \
        == ("Corrected.", True)


def _deleted(site, article, comment, people):
    discussion.delete_own_comment(site=site, comment_id=comment.pk, author=people["author"])
    return lambda body: comment.pk not in _by_id(body)


def _recommended(site, article, comment, people):
    discussion.recommend_comment(site=site, comment_id=comment.pk, user=people["other"])
    return lambda body: _by_id(body)[comment.pk]["recommendation_count"] == 1


def _withdrawn(site, article, comment, people):
    discussion.recommend_comment(site=site, comment_id=comment.pk, user=people["other"])
    thread_cache.clear()  # the recommendation is in the first read; withdraw after it
    Client().get(thread_path(site, article))
    discussion.withdraw_recommendation(site=site, comment_id=comment.pk, user=people["other"])
    return lambda body: _by_id(body)[comment.pk]["recommendation_count"] == 0


def _held(site, article, comment, people):
    moderation.hold_comment(site=site, actor=people["moderator"], comment_id=comment.pk)
    return lambda body: (_by_id(body)[comment.pk]["state"], _by_id(body)[comment.pk]["text"]) \
        == ("being_reviewed", None)


def _released(site, article, comment, people):
    moderation.hold_comment(site=site, actor=people["moderator"], comment_id=comment.pk)
    Client().get(thread_path(site, article))
    moderation.release_comment(site=site, actor=people["moderator"], comment_id=comment.pk)
    return lambda body: _by_id(body)[comment.pk]["state"] == "published"


def _removed(site, article, comment, people):
    _post(site, article, people["other"], "Keeps the tombstone.", parent=comment)
    Client().get(thread_path(site, article))
    moderation.remove_comment(site=site, actor=people["moderator"], comment_id=comment.pk,
                              rule=2)
    return lambda body: (_by_id(body)[comment.pk]["state"],
                         _by_id(body)[comment.pk]["rule_broken"]["number"]) == ("removed", 2)


def _amended(site, article, comment, people):
    moderation.amend_comment(site=site, actor=people["moderator"], comment_id=comment.pk,
                             text="Amended words.", rule=1, reason="Name-calling")
    return lambda body: (_by_id(body)[comment.pk]["text"], _by_id(body)[comment.pk]["amended"]) \
        == ("Amended words.", True)


def _approved(site, article, comment, people):
    article = moderation.set_comment_mode(site=site, actor=people["editor"],
                                          article_id=article.pk, mode="premoderated")
    pending = _post(site, article, people["other"], "Awaiting approval.")
    assert pending.status == Comment.Status.PENDING
    before = Client().get(thread_path(site, article)).json()
    assert pending.pk not in _by_id(before)
    moderation.approve_comment(site=site, actor=people["moderator"], comment_id=pending.pk)
    return lambda body: _by_id(body)[pending.pk]["text"] == "Awaiting approval."


def _mode_changed(site, article, comment, people):
    moderation.set_comment_mode(site=site, actor=people["editor"], article_id=article.pk,
                                mode="closed")
    return lambda body: body["article"]["comment_mode"] == "closed"


CHANGES = {
    "post": _posted, "reply": _replied, "edit": _edited, "delete": _deleted,
    "recommend": _recommended, "withdraw": _withdrawn, "hold": _held, "release": _released,
    "remove": _removed, "amend": _amended, "approve": _approved, "comment_mode": _mode_changed,
}


@pytest.mark.parametrize("kind", CHANGES)
def test_each_change_shows_in_the_next_anonymous_read(site, article, subscriber,
                                                      other_subscriber, kind):
    people = {"author": subscriber, "other": other_subscriber,
              "moderator": make_staff(site, "moderator", "mona_k"),
              "editor": make_staff(site, "editor", "ed_r")}
    comment = _post(site, article, subscriber, "The bridge is overdue.")
    anonymous = Client()
    first = anonymous.get(thread_path(site, article))
    assert first.status_code == 200

    shows_change = CHANGES[kind](site, article, comment, people)
    again = anonymous.get(thread_path(site, article), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200, "the old rendering's ETag must no longer match"
    assert again["ETag"] != first["ETag"]
    assert shows_change(again.json())
    # The cached answer is what the thread rendered afresh says.
    assert again.json() == rendered_for(site, article, AnonymousUser())


def test_the_by_url_thread_shows_a_change_at_once_too(anonymous, site, article, comment,
                                                      other_subscriber):
    query = {"url": article.canonical_url}
    assert len(anonymous.get(api_path(site, "thread"), query).json()["comments"]) == 1
    _post(site, article, other_subscriber, "Second.")
    assert len(anonymous.get(api_path(site, "thread"), query).json()["comments"]) == 2


# --- the shared answer: ETag, 304, gzip, headers -------------------------------------------

def test_the_anonymous_thread_is_a_shared_cacheable_answer(anonymous, site, article, comment):
    first = anonymous.get(thread_path(site, article))
    again = anonymous.get(thread_path(site, article), HTTP_IF_NONE_MATCH=first["ETag"])
    zipped = anonymous.get(thread_path(site, article), HTTP_ACCEPT_ENCODING="gzip, br")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/json; charset=utf-8"
    assert first["ETag"].startswith('"')
    assert first["ETag"].endswith('"')
    assert first["Cache-Control"].startswith("public, max-age=")
    assert {"Cookie", "Authorization", "Accept-Encoding"} <= {
        v.strip() for v in first["Vary"].split(",")
    }
    assert first.json()["comments"][0]["text"] == "The bridge is overdue."
    assert again.status_code == 304
    assert again.content == b""
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == first.content
    assert "Set-Cookie" not in first
    assert not first.cookies


def test_the_cached_document_is_what_the_schema_describes(anonymous, site, article, comment,
                                                          other_subscriber):
    reply = _post(site, article, other_subscriber, "Agreed.", parent=comment)
    _post(site, article, subscriber_too := make_subscriber(site), "And again.", parent=reply)
    moderation.remove_comment(site=site, actor=make_staff(site, "moderator", "mona_k"),
                              comment_id=reply.pk, rule=3)
    assert subscriber_too.pk

    body = anonymous.get(thread_path(site, article)).json()

    # Validated as ninja would have validated a ThreadOut, and dumped as it would have
    # dumped it, the document is unchanged: same keys, same order of fields, same values.
    validated = ThreadOut.model_validate(body)
    assert json.loads(json.dumps(validated.model_dump(), cls=DjangoJSONEncoder)) == body
    assert list(validated.model_dump()) == list(body)


def test_anonymous_reads_are_served_by_the_fast_path_and_bearer_reads_are_not(
    sso_site, article, comment, settings
):
    settings.BTL_THREAD_FRESHNESS = 60
    path = thread_path(sso_site, article)
    status, headers, shared = wsgi_get(path)
    assert status == "200 OK"

    with CaptureQueriesContext(connection) as queries:
        status, again_headers, again = wsgi_get(path)
    assert (status, again) == ("200 OK", shared)
    assert len(queries) == 0, "a fresh registered body is answered without Django"
    assert again_headers["ETag"] == headers["ETag"]

    status, _, mine = wsgi_get(path, authorization=bearer(sso_site)["HTTP_AUTHORIZATION"])
    assert status == "200 OK"
    assert json.loads(mine)["viewer"]["signed_in"] is True
    assert json.loads(shared)["viewer"]["signed_in"] is False


def test_one_sites_url_lookup_never_answers_with_another_sites_body(site, settings):
    """Two sites with an article at the same canonical URL: the fast path's key is the
    exact address, which names the site, so each address keeps its own site's thread."""
    settings.BTL_THREAD_FRESHNESS = 60
    url = "https://shared.example/story"
    courier = SiteFactory(slug="courier")
    texts = {}
    for publication, text in ((site, "Gazette reader."), (courier, "Courier reader.")):
        RulesVersionFactory(site=publication, number=1)
        article = ArticleFactory(site=publication, canonical_url=url)
        _post(publication, article, make_subscriber(publication), text)
        texts[publication.slug] = text
    query = f"url={url}"

    answers = {}
    for _ in range(2):  # the second round is served from the fast path
        for publication in (site, courier):
            status, _, body = wsgi_get(api_path(publication, "thread"), query)
            assert status == "200 OK"
            answers[publication.slug] = [c["text"] for c in json.loads(body)["comments"]]
        assert answers == {slug: [text] for slug, text in texts.items()}


# --- one reader's part never reaches the shared body --------------------------------------

def test_a_readers_own_part_never_appears_in_the_shared_body(sso_site, article, comment,
                                                             settings):
    settings.BTL_THREAD_FRESHNESS = 60
    site = sso_site
    moderator = make_staff(site, "moderator", "mona_k")
    penny = make_subscriber(site, username="penny", display_name="Penny Private")
    held = _post(site, article, penny, "My held words.")
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    moderation.sanction_author(site=site, actor=moderator, user_id=penny.pk,
                               kind="premoderation", reason="Spam wave")
    pending = _post(site, article, penny, "My pending reply.", parent=comment)
    assert pending.status == Comment.Status.PENDING
    discussion.recommend_comment(site=site, comment_id=comment.pk, user=penny)
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=penny,
                              reason="off_topic")
    as_penny = Client()
    as_penny.force_login(penny)

    # Penny reads first, every way there is: her answers carry her part...
    for sort in ("newest", "oldest"):
        mine = as_penny.get(thread_path(site, article, f"?sort={sort}")).json()
        assert _by_id(mine)[held.pk]["text"] == "My held words."
        assert _by_id(mine)[pending.pk]["text"] == "My pending reply."
        assert _by_id(mine)[comment.pk]["viewer"]["recommended"] is True
        viewer = as_penny.get(viewer_path(site, article, f"?sort={sort}")).json()
        assert viewer["viewer"]["signed_in"] is True
    token_reader = bearer(site)
    Client().get(thread_path(site, article), **token_reader)
    Client().get(viewer_path(site, article), **token_reader)

    # ...and the shared body, from Django or from the fast path, carries none of it.
    for sort in ("newest", "oldest"):
        path = thread_path(site, article)
        query = f"sort={sort}"
        for body in (Client().get(f"{path}?{query}").content, wsgi_get(path, query)[2],
                     wsgi_get(path, query)[2]):
            assert b"Penny Private" not in body
            assert b"My held words." not in body
            assert b"My pending reply." not in body
            assert b"Token Tess" not in body
            assert b'"own": true' not in body
            assert b'"recommended": true' not in body
            assert b'"reported": true' not in body
            assert b'"signed_in": true' not in body
            shared = json.loads(body)
            assert pending.pk not in _by_id(shared)
            assert _by_id(shared)[held.pk]["state"] == "being_reviewed"


# --- a signed-in reader's answer is exactly the one rendered for them ---------------------

def _busy_thread(site, article, people, moderator):
    """A page with something of every kind, for `people[0]` to see in their own way."""
    me, other, third = people
    mine = _post(site, article, me, "Mine, published.")
    theirs = _post(site, article, other, "Theirs.")
    reply = _post(site, article, third, "A reply to theirs.", parent=theirs)
    _post(site, article, me, "My reply to a reply.", parent=reply)
    held = _post(site, article, me, "Mine, held.")
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    held_reply = _post(site, article, me, "My held reply.", parent=theirs)
    moderation.hold_comment(site=site, actor=moderator, comment_id=held_reply.pk)
    others_held = _post(site, article, other, "Theirs, held.")
    moderation.hold_comment(site=site, actor=moderator, comment_id=others_held.pk)
    gone = _post(site, article, other, "Gone.")
    _post(site, article, third, "Answering what is gone.", parent=gone)
    discussion.delete_own_comment(site=site, comment_id=gone.pk, author=other)
    discussion.recommend_comment(site=site, comment_id=theirs.pk, user=me)
    discussion.recommend_comment(site=site, comment_id=reply.pk, user=other)
    discussion.report_comment(site=site, comment_id=reply.pk, reporter=me, reason="spam")
    discussion.edit_own_comment(site=site, comment_id=mine.pk, author=me, text="Mine, edited.")
    # Pre-moderated from here on: my replies wait for approval, others' too.
    moderation.sanction_author(site=site, actor=moderator, user_id=me.pk,
                               kind="premoderation", reason="Watch")
    moderation.sanction_author(site=site, actor=moderator, user_id=other.pk,
                               kind="premoderation", reason="Watch")
    _post(site, article, me, "My pending reply.", parent=theirs)
    _post(site, article, other, "Their pending reply.", parent=theirs)
    _post(site, article, me, "My pending reply to a reply.", parent=reply)
    return theirs


@pytest.mark.parametrize("sort", ["newest", "oldest", "recommended"])
def test_a_signed_in_readers_answer_is_the_thread_rendered_for_them(site, rules, article,
                                                                   sort):
    people = [make_subscriber(site, display_name=name) for name in ("Me", "Other", "Third")]
    moderator = make_staff(site, "moderator", "mona_k")
    _busy_thread(site, article, people, moderator)
    path = thread_path(site, article, f"?sort={sort}")
    Client().get(path)  # the shared rendering exists before anyone signed in reads it

    for person in [*people, moderator]:
        client = Client()
        client.force_login(person)
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response.json() == rendered_for(site, article, person, sort=sort,
                                               query=f"sort={sort}"), person


def test_a_reader_with_a_top_level_comment_awaiting_approval_sees_the_pages_move(
    site, article, subscriber, other_subscriber
):
    """Their comment takes its place in the sort and pushes the rest down a page: the
    shared pages cannot be laid over, so their thread is rendered for them."""
    for n in range(selectors.PAGE_SIZE + 2):
        _post(site, article, other_subscriber, f"#{n}")
    moderation.sanction_author(site=site, actor=make_staff(site, "moderator", "mona_k"),
                               user_id=subscriber.pk, kind="premoderation", reason="Watch")
    waiting = _post(site, article, subscriber, "Waiting at the top.")
    client = Client()
    client.force_login(subscriber)

    for page in (1, 2):
        path = thread_path(site, article, f"?page={page}")
        Client().get(path)
        body = client.get(path).json()
        assert body == rendered_for(site, article, subscriber, page=page, query=f"page={page}")
    first = client.get(thread_path(site, article)).json()
    assert first["comments"][0]["id"] == waiting.pk
    assert first["comments"][0]["state"] == "awaiting_approval"


def test_bearer_and_anonymous_answers_agree_on_everything_shared(sso_site, article, comment,
                                                                  other_subscriber):
    site = sso_site
    reply = _post(site, article, other_subscriber, "A reply.", parent=comment)
    token = bearer(site)
    Client().get(thread_path(site, article), **token)  # the token's reader now exists
    tess = comment.author.__class__.objects.get(external_identity__subject="p-1001")
    discussion.accept_rules(site=site, user=tess)
    theirs = _post(site, article, tess, "Tess writes.")
    discussion.recommend_comment(site=site, comment_id=reply.pk, user=tess)

    shared = Client().get(thread_path(site, article)).json()
    mine = Client().get(thread_path(site, article), **token).json()

    def without_viewer(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "viewer": None, "comments": [
            {**c, "viewer": None, "replies": [{**r, "viewer": None} for r in c["replies"]]}
            for c in body["comments"]
        ]}

    assert without_viewer(mine) == without_viewer(shared)
    assert mine["viewer"] == {"signed_in": True, "subscriber": True, "can_comment": True,
                              "must_accept_rules": False, "rules_version_id": site_rules(site),
                              "refusal": None}
    assert _by_id(mine)[theirs.pk]["viewer"] == {"own": True, "recommended": False,
                                                 "reported": False, "can_edit": True}
    assert _by_id(mine)[reply.pk]["viewer"]["recommended"] is True
    assert mine == rendered_for(site, article, tess)


def site_rules(site) -> int:
    rules = selectors.current_rules(site=site)
    assert rules is not None
    return rules.pk


# --- the per-reader endpoint ---------------------------------------------------------------

def test_the_viewer_endpoint_answers_the_readers_part_alone(site, article, comment,
                                                            subscriber, other_subscriber):
    moderator = make_staff(site, "moderator", "mona_k")
    theirs = _post(site, article, other_subscriber, "Theirs.")
    held = _post(site, article, subscriber, "Held words.")
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                               kind="premoderation", reason="Watch")
    pending = _post(site, article, subscriber, "Pending reply.", parent=theirs)
    discussion.recommend_comment(site=site, comment_id=theirs.pk, user=subscriber)
    client = Client()
    client.force_login(subscriber)

    response = client.get(viewer_path(site, article))
    stranger = Client().get(viewer_path(site, article))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    ThreadViewerOut.model_validate(body)
    assert body["viewer"]["signed_in"] is True
    assert body["recommended_ids"] == [theirs.pk]
    assert body["reported_ids"] == []
    assert body["own_ids"] == sorted([comment.pk, held.pk, pending.pk])
    assert body["editable_ids"] == sorted([comment.pk, held.pk, pending.pk])
    assert [(c["id"], c["state"], c["text"], c["parent_id"]) for c in body["comments"]] == [
        (held.pk, "under_review", "Held words.", None),
        (pending.pk, "awaiting_approval", "Pending reply.", theirs.pk),
    ]
    assert body["comments"][0]["author"]["name"] == "Sam Subscriber"
    # What the thread endpoint answers this reader is the shared body with this laid over.
    mine = _by_id(client.get(thread_path(site, article)).json())
    assert mine[held.pk]["text"] == "Held words."
    assert mine[pending.pk] == {**body["comments"][1], "replies": []}
    assert stranger.json() == {
        "viewer": {"signed_in": False, "subscriber": False, "can_comment": False,
                   "must_accept_rules": False, "rules_version_id": site_rules(site),
                   "refusal": None},
        "recommended_ids": [], "reported_ids": [], "own_ids": [], "editable_ids": [],
        "comments": [],
    }
    assert stranger["Cache-Control"] == "private, no-store"


def test_the_viewer_endpoint_works_with_a_token(sso_site, article, comment):
    token = bearer(sso_site)
    body = Client().get(viewer_path(sso_site, article), **token).json()
    assert (body["viewer"]["signed_in"], body["viewer"]["subscriber"]) == (True, True)
    assert body["viewer"]["must_accept_rules"] is True


@pytest.mark.parametrize(
    ("query", "code"),
    [("?sort=loudest", "sort_invalid"), ("?page=0", "page_invalid"), ("?page=x", "page_invalid")],
)
def test_bad_sort_or_page_is_refused_by_the_viewer_endpoint_and_never_cached(
    anonymous, site, article, query, code, settings
):
    settings.BTL_THREAD_FRESHNESS = 60
    for path in (viewer_path(site, article, query), thread_path(site, article, query)):
        response = anonymous.get(path)
        assert response.status_code == 400
        assert response.json()["code"] == code
        status, _, body = wsgi_get(*path.split("?"))
        assert status.startswith("400")
        assert json.loads(body)["code"] == code


def test_the_viewer_endpoint_for_an_unknown_article_is_not_found(anonymous, site):
    response = anonymous.get(api_path(site, "articles/999999/thread/viewer"))
    assert response.status_code == 404
    assert response.json()["code"] == "article_not_found"


# --- query counts ---------------------------------------------------------------------------

def _fill(site, article, authors, *, top_level: int, replies: int) -> None:
    tops = [_post(site, article, authors[n % len(authors)], f"Top {n}")
            for n in range(top_level)]
    for n in range(replies):
        _post(site, article, authors[(n + 1) % len(authors)], f"Reply {n}",
              parent=tops[n % len(tops)])


def _queries(client: Client, path: str, **extra: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(queries)


def test_reads_cost_the_same_few_queries_however_long_the_thread(site, rules, subscriber):
    authors = [make_subscriber(site) for _ in range(3)]
    short, long = ArticleFactory(site=site), ArticleFactory(site=site)
    _fill(site, short, authors, top_level=3, replies=4)
    _fill(site, long, authors, top_level=120, replies=240)
    for comment in Comment.objects.filter(site=site).order_by("pk")[::9]:
        discussion.recommend_comment(site=site, comment_id=comment.pk, user=subscriber)
    for article in (short, long):
        held = _post(site, article, subscriber, "Mine, held.")
        discussion.set_comment_status(held, Comment.Status.HELD, clock.now())
    signed_in = Client()
    signed_in.force_login(subscriber)
    anonymous = Client()
    anonymous.get(api_path(site, "rules"))  # the site's current rules, read once and kept

    def each(client: Client, make_path: Callable[..., str]) -> list[int]:
        return [_queries(client, make_path(site, article)) for article in (short, long)]

    # Cold: site, article, the page's top-level comments, their replies.
    assert each(anonymous, thread_path) == [4, 4]
    # Cached: the site and the article, whose versions name the stored rendering.
    assert each(anonymous, thread_path) == [2, 2]
    # Signed in: also the session and the user, their subscription, their marks on the
    # article with their acceptance of the rules (one query), their own comments on the
    # page (whose ids the shared rendering gives); nothing more for a longer thread. Who
    # is sanctioned on the site is read once per change of its configuration.
    each(signed_in, viewer_path)
    assert each(signed_in, thread_path) == [7, 7]
    assert each(signed_in, viewer_path) == [7, 7]
    assert each(anonymous, viewer_path) == [2, 2]


# --- comment counts for list pages ---------------------------------------------------------

@pytest.mark.parametrize("articles", [3, 30])
def test_counts_for_a_list_page_are_one_query_and_briefly_cacheable(site, articles):
    site.allowed_origins = PUBLISHER
    site.save()
    urls = [f"{PUBLISHER}/story-{n}" for n in range(articles)]
    for n, url in enumerate(urls):
        ArticleFactory(site=site, canonical_url=url, comment_count=n)
    path = reverse("embed_counts", args=[site.slug])

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path, {"url": [*urls, f"{PUBLISHER}/unknown"]},
                                HTTP_ORIGIN=PUBLISHER)

    assert response.status_code == 200
    # The site, then every article's count at once.
    assert len(queries) == 2
    assert response.json()["counts"] == {**{url: n for n, url in enumerate(urls)},
                                         f"{PUBLISHER}/unknown": 0}
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "Origin" in response["Vary"]
