"""The embed as a publisher uses it: the demo publisher page on its own origin
(127.0.0.1, while the comments site is on localhost: cross-site, so no cookie of ours
reaches the iframe), signing its readers' tokens itself."""

import threading
import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from belowtheline import clock
from belowtheline.demo.publisher import PublisherSite, Story
from belowtheline.discussion import thread_cache
from belowtheline.discussion.models import Article, Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
STORY = Story(
    slug="bridge", title="Council approves new bridge", standfirst="Work starts in spring.",
    body="The council approved the bridge.\n\nIt opens in 2028.",
    url="https://www.gazette.example/news/bridge", published="2026-11-24T08:00:00+00:00",
)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class ThreadedServer(WSGIServer):
    daemon_threads = True


@pytest.fixture
def publisher(live_server, site, rules) -> Iterator[str]:
    """The Courier's page on its own port, embedding the live comments server."""
    app = PublisherSite(comments_url=live_server.url, stories=[STORY], secret=SECRET,
                        site_slug=site.slug)
    server = make_server("127.0.0.1", 0, app, server_class=ThreadedServer,
                         handler_class=QuietHandler)
    origin = f"http://127.0.0.1:{server.server_port}"
    site.allowed_origins = origin
    site.sso_algorithm = "HS256"
    site.sso_secret = SECRET
    site.save()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def journal() -> Iterator[list[str]]:
    """What the browser saw, printed under a failing test: the console of the page and its
    iframe, page errors, failed requests and every answer of the comments site."""
    lines: list[str] = []
    yield lines
    print("\n".join(lines))  # noqa: T201 - pytest shows it under a failing test only


def new_context(browser, journal: list[str], **options):
    context = browser.new_context(**options)
    started = time.monotonic()

    def note(*what: object) -> None:
        journal.append(f"{time.monotonic() - started:7.3f} " + " ".join(map(str, what)))

    context.on("console", lambda m: note("console", m.type, m.text))
    context.on("weberror", lambda e: note("page error", e.error))
    context.on("requestfailed", lambda r: note("failed", r.method, r.url, r.failure))
    context.on("response", lambda r: note(r.status, r.request.method, r.url))
    return context


def open_story_signed_in(browser, journal, publisher, as_whom: str):
    context = new_context(browser, journal, viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    page.get_by_role("button", name=as_whom).click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    return context, page


def frame_height(page) -> int:
    return page.locator("#btl-comments iframe").evaluate("f => f.offsetHeight")


def test_a_subscriber_on_the_publishers_page_accepts_the_rules_and_comments(
    browser, journal, publisher, site
):
    context, page = open_story_signed_in(browser, journal, publisher, "as a subscriber")
    frame = page.frame_locator("#btl-comments iframe")

    # The token arrived by postMessage: the thread knows the reader as a subscriber.
    expect(frame.get_by_text("I accept the rules and understand")).to_be_visible()
    article = Article.objects.get(site=site, canonical_url=STORY.url)
    iframe = page.locator("#btl-comments iframe")
    assert iframe.get_attribute("src").endswith(f"/threads/{article.pk}/?embed=1")
    expect(frame.get_by_role("link", name="Read the full rules")).to_have_attribute(
        "target", "_blank"
    )
    frame.get_by_role("button", name="Accept and continue").click()

    box = frame.get_by_label("Join the discussion")
    expect(box).to_be_visible()
    before = frame_height(page)
    box.fill("About time we had a second crossing.\n\nWell done, council.")
    frame.get_by_role("button", name="Post", exact=True).click()

    expect(frame.locator("#comments-heading")).to_have_text("1 comment")
    comment = Comment.objects.get(site=site, article=article)
    expect(frame.locator(f"#comment-{comment.pk}")).to_contain_text("Morgan Ellis")
    assert comment.author.display_name == "Morgan Ellis"
    # The iframe grew with the thread, and the publisher's page never left the story.
    page.wait_for_function(
        "h => document.querySelector('#btl-comments iframe').offsetHeight > h", arg=before
    )
    assert page.url == f"{publisher}/news/{STORY.slug}"

    page.goto(f"{publisher}/")
    expect(page.locator(f'[data-btl-count="{STORY.url}"]')).to_have_text("1")
    context.close()


def test_a_non_subscriber_token_shows_the_subscribe_invitation(browser, journal, publisher,
                                                               site):
    context, page = open_story_signed_in(browser, journal, publisher, "as a non-subscriber")
    frame = page.frame_locator("#btl-comments iframe")

    expect(frame.locator(".account .who")).to_have_text("Robin Shaw")
    subscribe = frame.get_by_role("link", name="Subscribe", exact=True)
    expect(subscribe).to_have_attribute("target", "_blank")
    expect(frame.get_by_label("Join the discussion")).to_have_count(0)
    context.close()


def test_an_anonymous_reader_reads_and_is_invited(browser, journal, publisher, site):
    context = new_context(browser, journal)
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")
    expect(frame.locator("#comments-heading")).to_have_text("0 comments")
    expect(frame.get_by_role("link", name="Subscribe", exact=True)).to_be_visible()
    # The height message arrived: the iframe is sized to the thread, not the default.
    page.wait_for_function(
        "() => document.querySelector('#btl-comments iframe').style.height !== '400px'"
    )
    context.close()


def test_a_subscriber_gets_their_controls_on_the_shared_page_and_posts(
    browser, journal, publisher, site, article_for_story, other_subscriber
):
    """The iframe keeps the page every anonymous reader gets (cached); the reader's box
    and controls come from the viewer JSON, fetched with the token, and fill it in."""
    earlier = Comment.objects.create(
        site=site, article=article_for_story, author=other_subscriber,
        text="A bridge too far, if you ask me.", created_at=clock.now(),
    )
    Article.objects.filter(pk=article_for_story.pk).update(comment_count=1)
    context, page = open_story_signed_in(browser, journal, publisher, "as a subscriber")
    frame = page.frame_locator("#btl-comments iframe")

    frame.get_by_role("button", name="Accept and continue").click()
    expect(frame.get_by_label("Join the discussion")).to_be_visible()
    theirs = frame.locator(f"#comment-{earlier.pk}")
    # Filled in from the shared page's templates: the page itself has no reader in it.
    expect(frame.locator("template#btl-reply")).to_have_count(1)
    expect(theirs.get_by_role("button", name="Recommend")).to_be_visible()
    expect(theirs.get_by_text("Reply", exact=True)).to_be_visible()
    expect(theirs.get_by_role("link", name="Report this comment")).to_be_visible()

    theirs.get_by_role("button", name="Recommend").click()
    expect(theirs.get_by_role("button", name="Recommended (undo)")).to_be_visible()
    expect(theirs.locator(".recs")).to_have_text("1 recommendation")

    theirs.get_by_text("Reply", exact=True).click()
    theirs.get_by_label("Reply to Olive Other").fill("It is two miles long, that is all.")
    theirs.get_by_role("button", name="Post reply").click()
    expect(theirs.locator(".replies")).to_contain_text("It is two miles long, that is all.")

    frame.get_by_label("Join the discussion").fill("Looking forward to walking across it.")
    frame.get_by_role("button", name="Post", exact=True).click()
    expect(frame.locator("#comments-heading")).to_have_text("3 comments")
    mine = Comment.objects.get(site=site, text="Looking forward to walking across it.")
    own = frame.locator(f"#comment-{mine.pk}")
    expect(own).to_contain_text("Morgan Ellis")
    # Their own comment: Edit and Delete, no Recommend or Report.
    expect(own.get_by_text("Edit", exact=True)).to_be_visible()
    expect(own.get_by_text("Delete", exact=True)).to_be_visible()
    expect(own.get_by_role("button", name="Recommend")).to_have_count(0)
    assert Comment.objects.filter(site=site, author=mine.author).count() == 2  # posted once

    # Reporting opens the dialog in the shared page and ends as "Reported".
    theirs.get_by_role("link", name="Report this comment").click()
    dialog = frame.locator("#report-dialog")
    expect(dialog).to_contain_text("Comment by Olive Other")
    dialog.get_by_label("Off-topic").check()
    dialog.get_by_role("button", name="Report", exact=True).click()
    expect(theirs.locator(".reported")).to_have_text("Reported")
    assert earlier.reports.get().reporter == mine.author
    context.close()


@pytest.fixture
def article_for_story(site) -> Article:
    """The story's article, registered before the embed would, to put a comment on it."""
    return Article.objects.create(site=site, canonical_url=STORY.url, title=STORY.title,
                                  published_at=clock.now())


def viewer_requests(route_url: str) -> str:
    """The glob of the iframe's per-reader requests (/threads/<id>/viewer?...)."""
    return f"{route_url}/sites/*/threads/*/viewer*"


def test_a_reader_who_signs_in_after_the_iframes_copy_went_stale_gets_their_part(
    browser, journal, live_server, publisher, site
):
    """The bug behind the embed's intermittent failures: the browser revalidates the
    iframe's stale copy, and the 304's headers are laid over it; they carried our default
    policy (frame-ancestors 'none'), so the iframe was blocked, with no thread and no
    reader's part in it. A loaded machine made the copy stale between two loads; here the
    reader simply reads for a couple of seconds before signing in."""
    context = new_context(browser, journal)
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")
    expect(frame.locator("#comments-heading")).to_have_text("0 comments")
    # Stale by the browser's reckoning, which counts from the whole second in Date.
    page.wait_for_timeout((thread_cache.MAX_AGE + 1.2) * 1000)

    page.get_by_role("button", name="as a non-subscriber").click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    expect(frame.locator(".account .who")).to_have_text("Robin Shaw")
    expect(frame.get_by_role("link", name="Subscribe", exact=True)).to_be_visible()
    context.close()


def test_the_readers_part_arriving_after_the_page_has_settled_still_shows_and_sizes_it(
    browser, journal, live_server, publisher, site
):
    """The per-reader answer held back until the shared page has loaded, sized the iframe
    and been given the token (every message handled): it still fills the page in, and the
    iframe grows to show it."""
    context = new_context(browser, journal, viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    page.get_by_role("button", name="as a subscriber").click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")
    expect(frame.get_by_role("button", name="Accept and continue")).to_be_visible()
    held = []
    context.route(viewer_requests(live_server.url), lambda route: held.append(route))
    page.reload()
    expect(frame.locator("#comments-heading")).to_have_text("0 comments")
    page.wait_for_function(
        "() => document.querySelector('#btl-comments iframe').style.height !== '400px'"
    )
    for _ in range(200):  # the token has come when the reader's request has gone
        if held:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)  # time for a second request, were there one
    expect(frame.get_by_text("Accept and continue")).to_have_count(0)
    settled = frame_height(page)
    assert len(held) == 1  # asked once, though the token came twice (asked for, then load)

    held[0].continue_()
    expect(frame.get_by_role("button", name="Accept and continue")).to_be_visible()
    expect(frame.locator(".account .who")).to_have_text("Morgan Ellis")
    page.wait_for_function(
        "h => document.querySelector('#btl-comments iframe').offsetHeight > h", arg=settled
    )
    context.close()


def test_a_per_reader_request_that_fails_once_is_tried_again(
    browser, journal, live_server, publisher, site
):
    """A busy server's 503 (or a dropped connection) on the reader's request no longer
    leaves them with a thread and no comment box."""
    answers = []

    def first_fails(route) -> None:
        answers.append(route.request.url)
        if len(answers) == 1:
            route.fulfill(status=503, content_type="application/json", body='{"code": "busy"}')
        else:
            route.continue_()

    context = new_context(browser, journal)
    context.route(viewer_requests(live_server.url), first_fails)
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    page.get_by_role("button", name="as a subscriber").click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")

    expect(frame.get_by_role("button", name="Accept and continue")).to_be_visible()
    assert len(answers) == 2
    expect(frame.get_by_role("alert")).to_have_count(0)
    context.close()


def test_a_reader_whose_part_cannot_be_loaded_is_told_and_can_try_again(
    browser, journal, live_server, publisher, site
):
    """When every try fails, the reader is told where the comment box would be, and
    "Try again" brings their part once the server answers."""
    down = [True]

    def while_down(route) -> None:
        if down[0]:
            route.abort("connectionreset")
        else:
            route.continue_()

    context = new_context(browser, journal)
    context.route(viewer_requests(live_server.url), while_down)
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    page.get_by_role("button", name="as a subscriber").click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")

    problem = frame.get_by_role("alert")
    # Told only after three more tries, 3.5 s apart in all: beyond Playwright's 5 s on a
    # loaded machine, with the chain of requests before them.
    expect(problem).to_contain_text("Your comment box and buttons could not be loaded.",
                                    timeout=15_000)
    down[0] = False
    problem.get_by_role("button", name="Try again").click()
    expect(frame.get_by_role("button", name="Accept and continue")).to_be_visible()
    expect(frame.get_by_role("alert")).to_have_count(0)
    context.close()


def test_a_token_sent_before_the_iframe_listens_is_asked_for_again(
    browser, journal, live_server, publisher, site
):
    """A publisher's page whose token message goes out before the iframe's script listens
    (here: at once, into the frame's blank first document, and never on load) loses it;
    the iframe asks for it when it is ready, so the reader's part still comes."""
    def early_token(route) -> None:
        script = route.fetch().text()
        early = script.replace("f.onload = send;",
                               "setTimeout(function () { try { send(); } catch (e) {} });")
        assert early != script, "embed.js no longer sends the token on load: update the test"
        route.fulfill(body=early, content_type="application/javascript")

    context = new_context(browser, journal)
    context.route(f"{live_server.url}/embed.js", early_token)
    page = context.new_page()
    page.goto(f"{publisher}/news/{STORY.slug}")
    page.get_by_role("button", name="as a non-subscriber").click()
    page.wait_for_url(f"{publisher}/news/{STORY.slug}")
    frame = page.frame_locator("#btl-comments iframe")

    expect(frame.locator(".account .who")).to_have_text("Robin Shaw")
    context.close()
