"""The shared, cached thread: every kind of change reaches it on the next request, it is
served with validators and compression, and nothing of one reader ever gets into it."""

import gzip
import json
from datetime import timedelta

import jwt
import pytest
from django.test import Client
from django.urls import reverse

from belowtheline import clock
from belowtheline.discussion import services, thread_cache
from belowtheline.discussion.models import Article, Comment
from belowtheline.integrations.articles import upsert_article
from belowtheline.moderation import services as moderation
from tests.conftest import make_subscriber
from tests.sites.factories import SiteFactory

SECRET = "a-long-shared-secret-for-the-gazette-0123456789"


def subscriber_token(site) -> str:
    """A token as the publisher signs it for one of its subscribers."""
    site.sso_algorithm = "HS256"
    site.sso_secret = SECRET
    site.save()
    now = clock.now()
    return jwt.encode(
        {"sub": "reader-7", "name": "Tess Token", "subscriber": True, "aud": site.slug,
         "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())},
        SECRET, algorithm="HS256",
    )


@pytest.fixture(params=["page", "embed"])
def variant(request) -> str:
    return request.param


def thread_path(site, article) -> str:
    return reverse("thread", args=[site.slug, article.pk])


def shared_response(site, article, variant, **headers):
    """What a reader with no cookie of ours gets (a fresh client: no cookie at all)."""
    params = {"embed": "1"} if variant == "embed" else {}
    return Client().get(thread_path(site, article), params, **headers)


def shared_html(site, article, variant) -> str:
    response = shared_response(site, article, variant)
    assert response.status_code == 200
    assert response["ETag"].startswith('"')  # the cached, shared body
    assert "public" in response["Cache-Control"]
    return response.content.decode()


def post(site, article, author, text="A comment", parent=None) -> Comment:
    return services.post_comment(site=site, article=article, author=author, text=text,
                                 parent=parent)


# --- each kind of change reaches the cached page and the cached embed -------------------


def test_a_new_comment_shows_on_the_next_request(site, article, subscriber, variant):
    post(site, article, subscriber, "First!")
    assert "First!" in shared_html(site, article, variant)
    post(site, article, subscriber, "Second thoughts")
    html = shared_html(site, article, variant)
    assert "Second thoughts" in html
    assert "2 comments" in html


def test_a_reply_shows_under_its_comment(site, article, subscriber, other_subscriber, variant):
    top = post(site, article, subscriber, "Top")
    shared_html(site, article, variant)
    post(site, article, other_subscriber, "An answer", parent=top)
    assert "An answer" in shared_html(site, article, variant)


def test_a_pending_comment_moves_the_version_and_shows_once_approved(
    site, article, subscriber, moderator, variant
):
    article.comment_mode = Article.CommentMode.PREMODERATED
    article.save()
    shared_html(site, article, variant)
    before = Article.objects.get(pk=article.pk).thread_version
    pending = post(site, article, subscriber, "Checked first")
    assert Article.objects.get(pk=article.pk).thread_version > before
    assert "Checked first" not in shared_html(site, article, variant)
    moderation.approve_comment(site=site, actor=moderator, comment_id=pending.pk)
    assert "Checked first" in shared_html(site, article, variant)


def test_a_rejected_comment_stays_unseen_and_the_version_moves(
    site, article, subscriber, moderator, variant
):
    article.comment_mode = Article.CommentMode.PREMODERATED
    article.save()
    pending = post(site, article, subscriber, "Not this one")
    etag = shared_response(site, article, variant)["ETag"]
    moderation.reject_comment(site=site, actor=moderator, comment_id=pending.pk,
                              reason="Off topic")
    response = shared_response(site, article, variant)
    assert response["ETag"] != etag
    assert "Not this one" not in response.content.decode()


def test_an_authors_edit_shows(site, article, subscriber, variant):
    comment = post(site, article, subscriber, "Frist")
    shared_html(site, article, variant)
    services.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                              text="First, corrected")
    html = shared_html(site, article, variant)
    assert "First, corrected" in html
    assert "Frist" not in html
    assert ">edited</span>" in html


def test_an_authors_deletion_shows(site, article, subscriber, other_subscriber, variant):
    comment = post(site, article, subscriber, "Regrettable")
    post(site, article, other_subscriber, "Quite", parent=comment)
    shared_html(site, article, variant)
    services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)
    html = shared_html(site, article, variant)
    assert "Regrettable" not in html
    assert "Deleted by its author" in html


def test_recommendations_and_their_withdrawal_show_in_the_count(
    site, article, subscriber, other_subscriber, variant
):
    comment = post(site, article, subscriber, "Wise words")
    shared_html(site, article, variant)
    services.recommend_comment(site=site, comment_id=comment.pk, user=other_subscriber)
    assert "1 recommendation<" in shared_html(site, article, variant)
    services.withdraw_recommendation(site=site, comment_id=comment.pk, user=other_subscriber)
    assert "recommendation" not in shared_html(site, article, variant).split("comment-list")[1]


def test_a_moderators_hold_and_release_show(site, article, subscriber, moderator, variant):
    comment = post(site, article, subscriber, "Borderline")
    shared_html(site, article, variant)
    moderation.hold_comment(site=site, actor=moderator, comment_id=comment.pk)
    html = shared_html(site, article, variant)
    assert "Borderline" not in html
    assert "This comment is being reviewed" in html
    moderation.release_comment(site=site, actor=moderator, comment_id=comment.pk)
    assert "Borderline" in shared_html(site, article, variant)


def test_a_removal_shows_its_tombstone_and_rule(site, article, subscriber, moderator, variant):
    comment = post(site, article, subscriber, "Abuse")
    shared_html(site, article, variant)
    moderation.remove_comment(site=site, actor=moderator, comment_id=comment.pk, rule=1,
                              reason="Abuse")
    html = shared_html(site, article, variant)
    assert "Abuse" not in html.split("comment-list")[1]
    assert "Removed by a moderator" in html
    assert "rule 1</a>" in html


def test_an_amendment_shows(site, article, subscriber, moderator, variant):
    comment = post(site, article, subscriber, "The council is corrupt")
    shared_html(site, article, variant)
    moderation.amend_comment(site=site, actor=moderator, comment_id=comment.pk,
                             text="The council has questions to answer", rule=1,
                             reason="Unsupported allegation")
    html = shared_html(site, article, variant)
    assert "The council has questions to answer" in html
    assert "Amended by a moderator" in html


def test_removing_all_of_an_authors_comments_shows(
    site, article, subscriber, other_subscriber, moderator, variant
):
    post(site, article, subscriber, "Buy pills one")
    post(site, article, subscriber, "Buy pills two")
    post(site, article, other_subscriber, "A real comment")
    shared_html(site, article, variant)
    moderation.remove_all_by_author(site=site, actor=moderator, user_id=subscriber.pk, rule=3)
    html = shared_html(site, article, variant)
    assert "Buy pills" not in html
    assert "A real comment" in html
    assert "1 comment<" in html


def test_an_automatic_hold_after_reports_shows(site, article, subscriber, readers, variant):
    comment = post(site, article, subscriber, "Reported a lot")
    shared_html(site, article, variant)
    for reader in readers:  # more than any cover's threshold
        services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                reason="abusive")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    assert "This comment is being reviewed" in shared_html(site, article, variant)


def test_a_report_that_changes_nothing_shown_keeps_the_cached_body(
    site, article, subscriber, reader, variant
):
    comment = post(site, article, subscriber, "Mildly annoying")
    etag = shared_response(site, article, variant)["ETag"]
    services.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason="spam")
    assert shared_response(site, article, variant)["ETag"] == etag


def test_closing_the_article_shows(site, article, editor, variant):
    html = shared_html(site, article, variant)
    assert "Comments on this article are closed." not in html
    moderation.set_comment_mode(site=site, actor=editor, article_id=article.pk, mode="closed")
    assert "Comments on this article are closed." in shared_html(site, article, variant)


def test_a_new_title_from_the_publisher_shows(site, article, editor, variant):
    shared_html(site, article, variant)
    upsert_article(site=site, actor=editor, canonical_url=article.canonical_url,
                   title="Council approves bigger bridge", now=clock.now())
    assert "Council approves bigger bridge" in shared_html(site, article, variant)


def test_a_change_to_the_sites_settings_shows(site, article, variant):
    shared_html(site, article, variant)
    site.moderation_notice = "We read every report within the hour."
    site.save()
    assert "We read every report within the hour." in shared_html(site, article, variant)


def test_every_page_and_sort_of_the_thread_changes_together(site, article, subscriber, many):
    for n in range(55):
        post(site, article, subscriber, f"Comment number {n}")
    # Pages and sorts on which the first comment is.
    urls = [{"page": "2"}, {"sort": "oldest"}, {"sort": "recommended", "page": "2", "embed": "1"}]
    client = Client()
    for params in urls:
        assert client.get(thread_path(site, article), params).status_code == 200
    first = Comment.objects.filter(article=article).order_by("pk").first()
    services.edit_own_comment(site=site, comment_id=first.pk, author=subscriber,
                              text="The very first, edited")
    for params in urls:
        assert "The very first, edited" in client.get(thread_path(site, article),
                                                      params).content.decode()


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}


# --- validators, compression, HEAD --------------------------------------------------------


def test_a_client_with_the_current_etag_gets_304_and_a_changed_thread_200(
    site, article, subscriber, variant
):
    post(site, article, subscriber, "Hello")
    etag = shared_response(site, article, variant)["ETag"]
    again = shared_response(site, article, variant, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    post(site, article, subscriber, "Hello again")
    changed = shared_response(site, article, variant, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Hello again" in changed.content.decode()


def test_the_body_is_gzipped_for_clients_that_accept_it(site, article, subscriber, variant):
    post(site, article, subscriber, "Compress me")
    plain = shared_response(site, article, variant)
    zipped = shared_response(site, article, variant, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content)
    assert "Accept-Encoding" in zipped["Vary"]
    assert "Accept-Encoding" in plain["Vary"]
    assert zipped["ETag"] == plain["ETag"]
    identity = shared_response(site, article, variant, HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in identity


def test_head_gets_the_headers_without_the_body(site, article, subscriber, variant):
    post(site, article, subscriber, "Heads up")
    params = {"embed": "1"} if variant == "embed" else {}
    get = Client().get(thread_path(site, article), params)
    head = Client().head(thread_path(site, article), params)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_cache_control_lets_a_cdn_absorb_a_spike(site, article):
    response = shared_response(site, article, "page")
    assert response["Cache-Control"].startswith("public, max-age=1, stale-while-revalidate=")


def test_the_embed_keeps_its_frame_ancestors_and_no_x_frame_options(site, article):
    site.allowed_origins = "https://www.gazette.example"
    site.save()
    for _ in range(2):  # rendered, then from the cache
        response = shared_response(site, article, "embed")
        assert response["Content-Security-Policy"].endswith(
            "; frame-ancestors 'self' https://www.gazette.example"
        )
        assert "X-Frame-Options" not in response
    assert shared_response(site, article, "page")["X-Frame-Options"] == "DENY"


def test_a_bad_sort_is_the_readers_page_with_its_status(site, article):
    response = Client().get(thread_path(site, article), {"sort": "loudest"})
    assert response.status_code == 400
    assert "ETag" not in response


def test_each_site_has_its_own_renderings(site, article, subscriber):
    other = SiteFactory(slug="echo", name="The Echo")
    post(site, article, subscriber, "Only on the Gazette")
    shared_html(site, article, "page")
    # Same article id on another site: not found, never the Gazette's cached body.
    response = Client().get(reverse("thread", args=[other.slug, article.pk]))
    assert response.status_code == 404
    assert "Only on the Gazette" not in response.content.decode()


def test_one_render_per_version_however_many_readers(site, article, subscriber):
    calls = []
    post(site, article, subscriber, "Hi")
    article = Article.objects.get(pk=article.pk)

    def render() -> thread_cache.Rendering:
        calls.append(1)
        return thread_cache.Rendering(body=b"<p>hi</p>", content_type="text/html")

    first = thread_cache.cached_rendering(site=site, article=article, variant="t", render=render)
    for _ in range(5):
        again = thread_cache.cached_rendering(site=site, article=article, variant="t",
                                              render=render)
        assert again.etag == first.etag
    thread_cache.clear()  # another process: L2 has it
    thread_cache.cached_rendering(site=site, article=article, variant="t", render=render)
    assert len(calls) == 1


# --- nothing of one reader in the shared body ---------------------------------------------


def test_the_shared_body_never_carries_a_subscribers_token_or_name(
    site, rules, article, variant
):
    subscriber = make_subscriber(site, username="zed", display_name="Zelda Secretname")
    other = make_subscriber(site, username="yan", display_name="Yan Writer")
    post(site, article, other, "Something to reply to")
    client = Client()
    client.force_login(subscriber)
    params = {"embed": "1"} if variant == "embed" else {}
    # The subscriber looks at the thread first, their own page and their part of it.
    own_page = client.get(thread_path(site, article), params)
    assert "Zelda Secretname" in own_page.content.decode()
    viewer = client.get(reverse("thread_viewer", args=[site.slug, article.pk]), params).json()
    token = viewer["csrf_token"]
    assert token
    assert viewer["name"] == "Zelda Secretname"

    for response in (shared_response(site, article, variant),
                     shared_response(site, article, variant, HTTP_ACCEPT_ENCODING="gzip")):
        body = response.content
        if response.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        html = body.decode()
        assert "Zelda Secretname" not in html
        assert token not in html
        assert client.cookies["csrftoken"].value not in html
        assert "csrfmiddlewaretoken" not in html
        assert "Sign out" not in html
        assert not response.cookies


def test_a_signed_in_reader_gets_their_own_page_uncached(site, article, subscriber):
    client = Client()
    client.force_login(subscriber)
    response = client.get(thread_path(site, article))
    assert "ETag" not in response
    assert response["Cache-Control"] == "private, no-cache"
    assert 'name="text"' in response.content.decode()  # the comment box, without JavaScript


def test_a_token_to_the_page_still_gets_the_readers_own_page(site, article):
    response = Client().get(thread_path(site, article), {"embed": "1"},
                            HTTP_AUTHORIZATION=f"Bearer {subscriber_token(site)}")
    assert response.status_code == 200
    assert "ETag" not in response
    assert "Tess Token" in response.content.decode()


# --- the viewer endpoint ------------------------------------------------------------------


def viewer_json(client, site, article, **params) -> dict:
    response = client.get(reverse("thread_viewer", args=[site.slug, article.pk]), params)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.json()


def test_the_viewer_endpoint_tells_an_anonymous_reader_they_are_not_signed_in(site, article):
    data = viewer_json(Client(), site, article)
    assert (data["signed_in"], data["subscriber"], data["can_comment"]) == (False, False, False)
    assert data["box"] == "invite"
    assert data["csrf_token"] is None
    assert data["own"] == data["recommended"] == data["reported"] == []


def test_the_viewer_endpoint_gives_a_subscriber_their_part(
    site, article, subscriber, other_subscriber, moderator
):
    theirs = post(site, article, other_subscriber, "Someone else's")
    mine = post(site, article, subscriber, "My own")
    held = post(site, article, subscriber, "My held one")
    reply = post(site, article, subscriber, "My reply", parent=theirs)
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    services.recommend_comment(site=site, comment_id=theirs.pk, user=subscriber)
    client = Client()
    client.force_login(subscriber)

    data = viewer_json(client, site, article)

    assert data["signed_in"]
    assert data["subscriber"]
    assert data["can_comment"]
    assert data["name"] == "Sam Subscriber"
    assert data["box"] == "comment"
    assert data["can_reply"]
    assert 'name="text"' in data["box_html"]
    assert "csrfmiddlewaretoken" in data["box_html"]
    assert data["recommended"] == [theirs.pk]
    assert data["own"] == sorted([mine.pk, held.pk, reply.pk])
    assert set(data["editable"]) == {mine.pk, held.pk, reply.pk}
    assert data["edit_texts"][str(mine.pk)] == "My own"
    [unpublished] = data["unpublished"]
    assert (unpublished["id"], unpublished["state"], unpublished["parent_id"]) == (
        held.pk, "under_review", None
    )
    assert "My held one" in unpublished["html"]
    assert "Under review — only you can see this" in unpublished["html"]


def test_the_viewer_endpoint_shows_a_readers_reports_and_the_accept_box(
    site, article, subscriber, reader
):
    comment = post(site, article, subscriber, "Reportable")
    services.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason="spam")
    client = Client()
    client.force_login(reader)
    data = viewer_json(client, site, article)
    assert data["reported"] == [comment.pk]
    assert (data["signed_in"], data["subscriber"], data["box"]) == (True, False, "invite")

    newcomer = make_subscriber(site, username="newbie", accept_rules=False)
    client.force_login(newcomer)
    data = viewer_json(client, site, article)
    assert (data["must_accept_rules"], data["box"]) == (True, "accept")
    assert "Accept and continue" in data["box_html"]


def test_the_viewer_endpoint_with_a_token_needs_no_csrf_token(site, article, rules):
    response = Client().get(reverse("thread_viewer", args=[site.slug, article.pk]),
                            HTTP_AUTHORIZATION=f"Bearer {subscriber_token(site)}")
    data = response.json()
    assert data["subscriber"]
    assert data["csrf_token"] is None
    assert data["name"] == "Tess Token"
    assert data["box"] == "accept"  # a new reader from the publisher: rules first
    assert "csrfmiddlewaretoken" not in data["box_html"]
    assert not response.cookies


def test_the_viewer_endpoint_refuses_bad_input_with_a_code(site, article):
    client = Client()
    bad_sort = client.get(reverse("thread_viewer", args=[site.slug, article.pk]),
                          {"sort": "loudest"})
    assert (bad_sort.status_code, bad_sort.json()["code"]) == (400, "sort_invalid")
    missing = client.get(reverse("thread_viewer", args=[site.slug, 999_999]))
    assert (missing.status_code, missing.json()["code"]) == (404, "article_not_found")
    no_site = client.get(reverse("thread_viewer", args=["nowhere", article.pk]))
    assert (no_site.status_code, json.loads(no_site.content)["code"]) == (404, "site_not_found")


@pytest.mark.parametrize("size", [5, 120])
def test_the_viewer_endpoint_costs_the_same_queries_at_any_thread_size(
    site, article, subscriber, other_subscriber, many, size, django_assert_num_queries
):
    for n in range(size):
        author = subscriber if n % 3 == 0 else other_subscriber
        post(site, article, author, f"Comment {n}")
    client = Client()
    client.force_login(subscriber)
    client.get(reverse("thread_viewer", args=[site.slug, article.pk]))  # warm the site caches
    # site, article, session, user; subscription; their marks on the article with their
    # acceptance of the rules (the rules and who is sanctioned are kept per site); as they
    # wrote some, the page's top-level ids and their comments there.
    with django_assert_num_queries(8):
        client.get(reverse("thread_viewer", args=[site.slug, article.pk]))


def test_a_stampede_on_a_new_version_renders_it_once(site, article):
    """Many readers arrive at once just after a change: one renders, the others wait for
    that rendering instead of each rendering the page again."""
    import threading  # noqa: PLC0415

    article = Article.objects.get(pk=article.pk)
    calls = []
    started = threading.Barrier(8)

    def render() -> thread_cache.Rendering:
        calls.append(1)
        threading.Event().wait(0.2)  # a slow render, so the others arrive meanwhile
        return thread_cache.Rendering(body=b"<p>once</p>", content_type="text/html")

    etags = []

    def reader() -> None:
        started.wait()
        etags.append(thread_cache.cached_rendering(
            site=site, article=article, variant="stampede", render=render
        ).etag)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(set(etags)) == 1
    assert len(etags) == 8


@pytest.mark.parametrize("size", [3, 60])
def test_a_cached_page_costs_two_queries_at_any_thread_size(
    site, article, subscriber, many, size, variant, django_assert_num_queries
):
    for n in range(size):
        post(site, article, subscriber, f"Comment {n}")
    shared_html(site, article, variant)  # rendered once
    with django_assert_num_queries(2):  # the site's and the article's rows: their versions
        shared_html(site, article, variant)


def test_a_reader_renamed_by_their_publishers_token_is_renamed_on_the_cached_thread(
    site, rules, article, variant, django_capture_on_commit_callbacks
):
    """The name is printed in the shared body: a token carrying a new name must reach it."""
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    now = clock.now()

    def token(name: str) -> dict[str, str]:
        claims = {"sub": "reader-9", "name": name, "subscriber": True, "aud": site.slug,
                  "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())}
        return {"HTTP_AUTHORIZATION": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}

    app = Client()
    api = f"/api/v1/sites/{site.slug}/"
    app.post(api + "rules/acceptance", content_type="application/json", **token("Pat Old"))
    posted = app.post(api + f"articles/{article.pk}/comments", {"text": "First thoughts"},
                      content_type="application/json", **token("Pat Old"))
    assert posted.status_code == 201
    assert "Pat Old" in shared_html(site, article, variant)
    with django_capture_on_commit_callbacks(execute=True):
        assert app.get(api + "me", **token("Pat New")).status_code == 200
    html = shared_html(site, article, variant)
    assert "Pat New" in html
    assert "Pat Old" not in html
