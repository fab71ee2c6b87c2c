"""Every cross-site scripting vector of the corpus (tests/xss_corpus.py, 600+ payloads), put
into every field people type, comes out of every page that shows it as text: never as a
tag, an event handler or a script URL.

Fields: comment text, display name (an account's, and a token's `name`), report note,
moderator's reason (removal, amendment, sanction), moderator note, rules preamble and rule
titles and texts, article titles. Pages:
the thread (every page, anonymous and as an author with a held comment), the article page,
the front page, the rules, the moderation queue (each tab), the comment and author pages,
the author's notifications, the figures, and the audit CSV export (no formula injection).
Emails are plain text (moderation.services sends no HTML), so there is nothing to escape.

The checks on each page (`_check_page`) read it with an HTML parser, as a browser would:
no element a payload could bring (img, iframe, object, math, …); no `on…` attribute; no
`javascript:`, `vbscript:` or `data:` URL in an attribute that loads or navigates; every
script is one of ours, by its `src`; and each payload shown there is in the page's text, so
that the page did render it (the test would otherwise pass on an empty page).
tests/browser/test_xss_browser.py loads the same pages in Chromium.
"""

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment
from belowtheline.errors import BtlError
from belowtheline.moderation import services as moderation
from tests.accounts.factories import SubscriptionFactory, UserFactory
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.xss_corpus import corpus, is_markup, vectors

# Elements none of our templates use and a payload could bring in.
FOREIGN_ELEMENTS = {
    "img", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "noscript",
    "math", "mtext", "mglyph", "animate", "set", "audio", "video", "source", "marquee",
    "isindex", "keygen", "xss", "x:script", "scr",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "poster", "srcdoc", "content"}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


@dataclass
class Page(HTMLParser):
    """What a browser would build from the page: elements with their attributes, and text."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _check_page(html: str, shown: list[str], where: str) -> None:
    page = Page()
    page.feed(html)
    page.close()
    for tag, attrs in page.elements:
        assert tag not in FOREIGN_ELEMENTS, f"{where}: a <{tag}> element {attrs}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}>"
            # Our own pages ask for no favicon with `<link rel="icon" href="data:,">`.
            if name in URL_ATTRIBUTES and value and tag != "meta" and value != "data:,":
                assert not BAD_URL.match(value), f"{where}: <{tag} {name}={value!r}>"
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), f"{where}: script {attrs}"
        if tag == "meta" and attrs.get("http-equiv"):
            assert "javascript" not in (attrs.get("content") or "").lower(), where
    text = _squash("".join(page.text))
    missing = [p for p in shown if _squash(p) and _squash(p) not in text]
    assert missing == [], f"{where}: {len(missing)} payloads not shown as text: {missing[:3]}"


def _get(client: Client, path: str, where: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (where, response.status_code)
    return response.content.decode()


# --- the world ------------------------------------------------------------------------------

@dataclass
class World:
    site: object
    article: Article
    comments: list[Comment]
    moderated: list[Comment]
    authors: list
    articles: list[Article]
    rules_payloads: list[str]
    moderator: object
    editor: object


@pytest.fixture
def world(site, settings) -> World:
    return build_world(site, settings)


def build_world(site, settings) -> World:
    """The corpus in every field of one site (shared with the browser test)."""
    settings.BTL_RATE_LIMITS = {name: "1000000/60" for name in settings.BTL_RATE_LIMITS}
    rules_payloads = list(vectors()[:40])
    RulesVersionFactory(site=site, number=1, preamble=vectors()[0],
                        rules=[p[:200] for p in rules_payloads])
    moderator = make_staff(site, "moderator", "mona_k")
    editor = make_staff(site, "admin", "ada_l")
    reader = UserFactory(username="rita")
    article = ArticleFactory(site=site, title="Council approves new bridge")
    articles = [ArticleFactory(site=site, title=p[:300]) for p in vectors()]
    # One author per vector, named with it; each writes the vector behind every break-out.
    authors_by_vector = {}
    for number, vector in enumerate(vectors()):
        author = UserFactory(username=f"author{number}", display_name=vector[:60])
        SubscriptionFactory(site=site, user=author)
        discussion.accept_rules(site=site, user=author)
        authors_by_vector[vector] = author
    comments, authors = [], []
    for number, payload in enumerate(corpus()):
        author = next(a for v, a in authors_by_vector.items() if payload.endswith(v))
        try:
            comment = discussion.post_comment(site=site, article=article, author=author,
                                              text=payload)
        except BtlError:
            continue  # refused as typed text (nothing visible): it is never shown
        if number % 5 == 0:  # a report with a note on every fifth: the queue shows 50
            discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                      reason="abusive", note=payload[:500])
        comments.append(comment)
        authors.append(author)
    # Names from a publisher's signed tokens (the `name` claim), as its readers post.
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    for number, vector in enumerate(vectors()[:20]):
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token(site, sub=f'x-{number}', name=vector)}"}
        reader_app = Client(**bearer)
        accepted = reader_app.generic("POST", f"/api/v1/sites/{site.slug}/rules/acceptance")
        assert accepted.status_code == 201, accepted.content
        posted = reader_app.post(f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments",
                                 {"text": f"Token reader {number}."},
                                 content_type="application/json")
        assert posted.status_code == 201, posted.content
        comment = Comment.objects.get(pk=posted.json()["id"])
        comments.append(comment)
        authors.append(comment.author)
    moderated = []
    for number, comment in enumerate(comments[:300:5]):  # the reported ones
        payload = comment.text
        if number % 3 == 0:
            moderation.remove_comment(site=site, actor=moderator, comment_id=comment.pk,
                                      rule=1, reason=payload[:2000])
        elif number % 3 == 1:
            moderation.amend_comment(site=site, actor=moderator, comment_id=comment.pk,
                                     text=payload + " (amended)", rule=2,
                                     reason=payload[:2000])
        else:
            moderation.hold_comment(site=site, actor=moderator, comment_id=comment.pk,
                                    reason=payload[:2000])
        moderation.add_moderator_note(site=site, actor=moderator,
                                      user_id=comment.author_id, text=payload[:2000])
        if number % 4 == 0:
            with contextlib.suppress(BtlError):  # already on pre-moderation
                moderation.sanction_author(site=site, actor=moderator,
                                           user_id=comment.author_id, kind="premoderation",
                                           reason=payload[:2000])
        moderated.append(comment)
    for comment in comments:
        comment.refresh_from_db()
    return World(site=site, article=article, comments=comments, moderated=moderated,
                 authors=authors, articles=articles, rules_payloads=rules_payloads,
                 moderator=moderator, editor=editor)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- readers' pages -------------------------------------------------------------------------

def _the_thread_shows_every_payload_as_text(world: World) -> None:
    published = [c for c in world.comments if c.status == Comment.Status.PUBLISHED]
    assert len(published) > 300
    names = {c.pk: a.display_name for c, a in zip(world.comments, world.authors, strict=True)}
    anonymous, seen = Client(), []
    page = 1
    while True:
        path = reverse("thread", args=[world.site.slug, world.article.pk]) + f"?page={page}"
        response = anonymous.get(path)
        if response.status_code != 200:
            break
        html = response.content.decode()
        on_page = [c for c in published if f'id="comment-{c.pk}"' in html]
        if not on_page:
            break
        _check_page(html, [c.text for c in on_page] + [names[c.pk] for c in on_page],
                    f"thread page {page}")
        seen += on_page
        page += 1
    assert {c.pk for c in seen} == {c.pk for c in published}


def _an_authors_own_held_comment_is_shown_to_them_as_text(world: World) -> None:
    held = [c for c in world.moderated if c.status == Comment.Status.HELD][:10]
    assert held
    for comment in held:
        client = _signed_in(comment.author)
        path = reverse("thread", args=[world.site.slug, world.article.pk])
        viewer = client.get(reverse("thread_viewer", args=[world.site.slug, world.article.pk]))
        assert viewer.status_code == 200
        parts = [value for value in _html_strings(viewer.json()) if value]
        for part in parts:
            _check_page(part, [], f"viewer part for {comment.pk}")
        _check_page(_get(client, path, "thread"), [], f"thread as {comment.author}")


def _html_strings(data: object, key: str = "") -> list[str]:
    """The HTML fragments a viewer answer carries for the page's script to insert (the
    fields named `html` or `…_html`; the rest is data, put in as text)."""
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in _html_strings(v, k)]
    if isinstance(data, list):
        return [s for v in data for s in _html_strings(v, key)]
    return [data] if isinstance(data, str) and (key == "html" or key.endswith("_html")) else []


def _article_titles_and_the_rules_are_shown_as_text(world: World) -> None:
    client = Client()
    titles = [a.title for a in world.articles]
    _check_page(_get(client, "/", "front"), [], "front page")
    for article in world.articles[:30]:
        html = _get(client, reverse("article", args=[world.site.slug, article.pk]), "article")
        _check_page(html, [article.title], f"article page {article.pk}")
    assert len(titles) == len(vectors())
    rules = _get(client, reverse("rules", args=[world.site.slug]), "rules")
    _check_page(rules, [p[:200] for p in world.rules_payloads] + [vectors()[0]], "rules page")


def _the_authors_notifications_show_the_reasons_as_text(world: World) -> None:
    for comment in world.moderated[:12]:
        client = _signed_in(comment.author)
        html = _get(client, reverse("notifications", args=[world.site.slug]), "notifications")
        _check_page(html, [], f"notifications of {comment.author}")


# --- the moderators' pages ------------------------------------------------------------------

def _every_queue_tab_shows_the_payloads_as_text(world: World) -> None:
    client = _signed_in(world.moderator)
    for tab in ["reported", "held", "recent", "decided"]:
        html = _get(client, reverse("moderation_queue", args=[world.site.slug])
                    + f"?tab={tab}", tab)
        _check_page(html, [], f"queue, {tab}")
        assert html.count('class="') > 50  # a real queue, not an empty page


def _the_comment_and_author_pages_show_the_payloads_as_text(world: World) -> None:
    client = _signed_in(world.moderator)
    for comment in world.moderated[:20] + world.comments[100:110]:
        html = _get(client, reverse("moderation_comment", args=[world.site.slug, comment.pk]),
                    "comment page")
        _check_page(html, [comment.text], f"comment page {comment.pk}")
        html = _get(client, reverse("moderation_user", args=[world.site.slug,
                                                             comment.author_id]), "user")
        _check_page(html, [], f"author page {comment.author_id}")


def _the_figures_show_the_payloads_as_text(world: World) -> None:
    client = _signed_in(world.editor)
    html = _get(client, reverse("moderation_stats", args=[world.site.slug]), "figures")
    _check_page(html, [], "figures")


def _the_audit_export_cannot_start_a_formula(world: World) -> None:
    client = _signed_in(world.editor)
    response = client.get(reverse("moderation_audit_csv", args=[world.site.slug]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()
                                       if response.streaming else response.content.decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(is_markup(cell) for cell in cells)  # the payloads are in it
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell


def test_every_page_shows_every_payload_as_text(world):
    """One world (600+ comments, their authors, reports, decisions) for every page: it
    costs most of this test's time to build."""
    _the_thread_shows_every_payload_as_text(world)
    _an_authors_own_held_comment_is_shown_to_them_as_text(world)
    _article_titles_and_the_rules_are_shown_as_text(world)
    _the_authors_notifications_show_the_reasons_as_text(world)
    _every_queue_tab_shows_the_payloads_as_text(world)
    _the_comment_and_author_pages_show_the_payloads_as_text(world)
    _the_figures_show_the_payloads_as_text(world)
    _the_audit_export_cannot_start_a_formula(world)
