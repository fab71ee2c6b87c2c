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
import json
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from belowtheline import clock
from belowtheline.accounts.api_keys import create_api_key
from belowtheline.accounts.models import ApiKey, ExternalIdentity, User
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment, RulesVersion
from belowtheline.errors import BtlError
from belowtheline.integrations.models import WebhookDelivery, WebhookEndpoint
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from tests.accounts.factories import SubscriptionFactory, UserFactory
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.xss_corpus import is_markup, pairs, spread, starts_a_formula, vectors

# Elements none of our templates use and a payload could bring in. (`img` is allowed only
# from our static files, as the admin's icons are.)
FOREIGN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "noscript",
    "math", "mtext", "mglyph", "mi", "maction", "semantics", "annotation-xml", "animate",
    "animatetransform", "set", "discard", "handler", "foreignobject", "feimage", "image",
    "audio", "video", "source", "track", "picture", "map", "area", "marquee", "isindex",
    "keygen", "xss", "x:script", "scr", "noembed", "noframes", "xmp", "listing",
    "plaintext", "portal", "bgsound", "xml", "t:set", "ſcript", "ſvg", "scrİpt",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "poster", "srcdoc", "content", "ping", "srcset", "lowsrc", "dynsrc",
                  "values", "to", "from", "by"}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|livescript|data)\s*:", re.IGNORECASE)
# Every address a vector would load or send to is on this host; none of ours is.
ATTACKER = "evil.example"
# What a payload's own <style> would carry; our own style elements have none of it.
BAD_CSS = re.compile(r"evil\.example|javascript|expression|@import|binding|behavior",
                     re.IGNORECASE)


@dataclass
class Page(HTMLParser):
    """What a browser would build from the page: elements with their attributes, and text."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    _in_style: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def _to_attacker(url: str) -> bool:
    """Whether the address leads to the attacker's host (one of ours may carry it in its
    query, as the admin's search links carry what was searched for)."""
    return ATTACKER in urlsplit(url.strip().replace("\\", "/")).netloc.lower()


def _squash(text: str) -> str:
    """The text without its whitespace: line breaks are <br> on the page, no text at all."""
    return "".join(text.split())


def _check_page(html: str, shown: list[str], where: str) -> None:
    page = Page()
    page.feed(html)
    page.close()
    for tag, attrs in page.elements:
        assert tag not in FOREIGN_ELEMENTS, f"{where}: a <{tag}> element {attrs}"
        if tag == "img":
            assert (attrs.get("src") or "").startswith("/static/"), f"{where}: <img {attrs}>"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}={value!r}>"
            # Our own pages ask for no favicon with `<link rel="icon" href="data:,">`.
            if name in URL_ATTRIBUTES and value and tag != "meta" and value != "data:,":
                assert not BAD_URL.match(value), f"{where}: <{tag} {name}={value!r}>"
                assert not _to_attacker(value), f"{where}: <{tag} {name}={value!r}>"
            if name == "style" and value:
                assert not BAD_CSS.search(value), f"{where}: <{tag} style={value!r}>"
        if tag == "script":  # ours are files: static ones, and the admin's translations
            assert (attrs.get("src") or "").startswith(("/static/", "/admin/jsi18n/")), (
                f"{where}: script {attrs}")
        if tag == "link":
            href = attrs.get("href") or ""
            assert href.startswith("/static/") or href == "data:,", f"{where}: <link {attrs}>"
        if tag == "meta" and attrs.get("http-equiv"):
            assert "javascript" not in (attrs.get("content") or "").lower(), where
            assert (attrs.get("http-equiv") or "").lower() not in ("refresh", "set-cookie",
                                                                    "link"), where
    for css in page.styles:
        assert not BAD_CSS.search(css), f"{where}: a style element {css[:200]!r}"
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
    superuser: object
    keys: list[ApiKey]
    key_notes: list[str]


@pytest.fixture
def world(site, settings) -> World:
    return build_world(site, settings)


# The texts an admin types for readers (site settings), each a vector.
SITE_TEXTS = {"moderation_notice": 0, "subscriber_only_text": 1, "why_subscribers_text": 2,
              "no_cover_message": 3}


def build_world(site, settings) -> World:
    """The corpus in every field of one site (shared with the browser test)."""
    settings.BTL_RATE_LIMITS = {name: "1000000/60" for name in settings.BTL_RATE_LIMITS}
    samples = spread(40)
    for name, number in SITE_TEXTS.items():
        setattr(site, name, samples[number])
    site.save()
    rules_payloads = samples
    RulesVersionFactory(site=site, number=1, preamble=vectors()[0],
                        rules=[p[:200] for p in rules_payloads])
    moderator = make_staff(site, "moderator", "mona_k")
    editor = make_staff(site, "admin", "ada_l")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    reader = UserFactory(username="rita")
    article = ArticleFactory(site=site, title="Council approves new bridge")
    articles = [ArticleFactory(site=site, title=p[:300]) for p in vectors()]
    # Webhooks go out for every report and decision: their payloads carry the texts, and
    # the admin shows them.
    WebhookEndpoint.objects.create(site=site, url="https://hooks.example.com/btl",
                                   secret="s" * 32, events=["comment.held",
                                                            "comment.removed",
                                                            "comment.amended"])
    # One author per vector, named with it; each writes the vector behind the break-outs.
    authors_by_vector = {}
    for number, vector in enumerate(vectors()):
        author = UserFactory(username=f"author{number}", display_name=vector[:60])
        SubscriptionFactory(site=site, user=author)
        discussion.accept_rules(site=site, user=author)
        authors_by_vector[vector] = author
    comments, authors, reported = [], [], []
    for number, (vector, payload) in enumerate(pairs()):
        author = authors_by_vector[vector]
        try:
            comment = discussion.post_comment(site=site, article=article, author=author,
                                              text=payload)
        except BtlError:
            continue  # refused as typed text (nothing visible): it is never shown
        if number % 5 == 0:  # a report with a note on every fifth: the queue shows 50
            discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                      reason="abusive", note=payload[:500])
            reported.append(comment)
        comments.append(comment)
        authors.append(author)
    # Names and subjects from a publisher's signed tokens (`name`, `sub`), as its readers
    # post.
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    for number, vector in enumerate(spread(20)):
        claims = {"sub": f"x-{number}-{vector}"[:255], "name": vector}
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token(site, **claims)}"}
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
    # Decisions on a fifth of the reported comments, from every group of the file, and on
    # every comment a spreadsheet would take for a formula (they reach the audit export).
    targets = reported[::5]
    targets += [c for c in comments if starts_a_formula(c.text) and c not in targets]
    moderated = []
    for number, comment in enumerate(targets):
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
    # API keys named with vectors, each writing a note through the API: their names are in
    # the audit trail, the rows and the admin.
    keys, key_notes = [], []
    for number, vector in enumerate(spread(12)):
        with contextlib.suppress(BtlError):  # a name that is not typed text, or taken
            key, raw = create_api_key(site=site, actor=editor, name=vector[:60],
                                      now=clock.now())
            note = f"Key note {number}: {vector}"[:2000]
            answer = Client().post(
                f"/api/v1/sites/{site.slug}/moderation/users/{moderated[number].author_id}"
                "/notes", {"text": note}, content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}")
            assert answer.status_code == 201, answer.content
            keys.append(key)
            key_notes.append(note)
    # What a hostile webhook receiver answered is shown in the delivery log.
    for delivery, vector in zip(WebhookDelivery.objects.filter(site=site)[:20], spread(20),
                                strict=False):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            last_error=f"HTTP 500 Internal Server Error. {vector}"[:2000])
    for comment in comments:
        comment.refresh_from_db()
    return World(site=site, article=article, comments=comments, moderated=moderated,
                 authors=authors, articles=articles, rules_payloads=rules_payloads,
                 moderator=moderator, editor=editor, superuser=superuser, keys=keys,
                 key_notes=key_notes)


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
    """Every cell a spreadsheet would run (=, +, -, @, tab, CR first) starts with a quote
    instead, and the rows keep their columns whatever the texts hold (quotes, commas,
    line breaks)."""
    client = _signed_in(world.editor)
    response = client.get(reverse("moderation_audit_csv", args=[world.site.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content).decode()
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert all(len(row) == len(rows[0]) for row in rows), "a row lost its columns"
    cells = [cell for row in rows[1:] for cell in row]
    assert any(is_markup(cell) for cell in cells)  # the payloads are in it
    formulas = [cell for cell in cells if starts_a_formula(cell)]
    assert formulas == [], formulas[:5]
    # …and they are there, behind the quote, rather than dropped.
    assert any(cell.startswith("'=") for cell in cells)
    assert any(cell.startswith("'@") for cell in cells)


# --- the admin ----------------------------------------------------------------------------

ADMIN_LISTS = [
    ("discussion", "comment"), ("discussion", "article"), ("discussion", "rulesversion"),
    ("accounts", "user"), ("accounts", "subscription"), ("accounts", "staffrole"),
    ("accounts", "apikey"), ("accounts", "externalidentity"), ("moderation", "auditentry"),
    ("moderation", "sanction"), ("moderation", "moderatornote"),
    ("integrations", "webhookendpoint"), ("integrations", "webhookdelivery"),
    ("btl_sites", "site"),
]


def _admin_pages(world: World) -> list[tuple[str, str, list[str]]]:
    """(where, address, what it must show as text): every list the admin has of what people
    typed, every page of the longer ones, a search for a payload (reflected in the page),
    and the change pages of a sample of each."""
    pages: list[tuple[str, str, list[str]]] = []
    for app, model in ADMIN_LISTS:
        url = reverse(f"admin:{app}_{model}_changelist")
        pages.append((f"admin {model} list", url, []))
    for app, model, count in [("accounts", "user", User.objects.count()),
                              ("discussion", "article", len(world.articles) + 1)]:
        url = reverse(f"admin:{app}_{model}_changelist")
        for page in range(1, 1 + -(-count // 100)):  # 100 a page, numbered from 1
            pages.append((f"admin {model} list page {page}", f"{url}?p={page}", []))
    for vector in spread(6):
        for app, model in [("discussion", "comment"), ("accounts", "user"),
                           ("moderation", "auditentry")]:
            url = reverse(f"admin:{app}_{model}_changelist")
            pages.append((f"admin {model} search", f"{url}?{urlencode({'q': vector})}", []))
    for comment in world.moderated[:10] + world.comments[100:110]:
        pages.append((f"admin comment {comment.pk}",
                      reverse("admin:discussion_comment_change", args=[comment.pk]),
                      [comment.text]))
        pages.append((f"admin user {comment.author_id}",
                      reverse("admin:accounts_user_change", args=[comment.author_id]), []))
    for article in world.articles[::40]:
        pages.append((f"admin article {article.pk}",
                      reverse("admin:discussion_article_change", args=[article.pk]), []))
    for app, model, rows in [
        ("moderation", "auditentry", AuditEntry.objects.filter(site=world.site)[:15]),
        ("moderation", "sanction", Sanction.objects.filter(site=world.site)[:5]),
        ("moderation", "moderatornote", ModeratorNote.objects.filter(site=world.site)[:10]),
        ("accounts", "apikey", world.keys),
        ("accounts", "externalidentity",
         ExternalIdentity.objects.filter(site=world.site)[:10]),
        ("integrations", "webhookdelivery",
         WebhookDelivery.objects.filter(site=world.site).exclude(last_error="")[:10]),
        ("discussion", "rulesversion", RulesVersion.objects.filter(site=world.site)),
        ("btl_sites", "site", [world.site]),
    ]:
        for row in rows:
            pages.append((f"admin {model} {row.pk}",
                          reverse(f"admin:{app}_{model}_change", args=[row.pk]), []))
    return pages


def _the_admin_shows_the_payloads_as_text(world: World) -> None:
    client = _signed_in(world.superuser)
    for where, url, shown in _admin_pages(world):
        _check_page(_get(client, url, where), shown, where)
    # The key names and their notes, as the admin lists them.
    keys = _get(client, reverse("admin:accounts_apikey_changelist"), "keys")
    _check_page(keys, [k.name for k in world.keys], "admin key list")
    notes = _get(client, reverse("admin:moderation_moderatornote_changelist") + "?all=",
                 "notes")
    _check_page(notes, world.key_notes, "admin note list")


def _an_article_added_in_an_admin_popup_answers_with_its_title_as_data(world: World) -> None:
    """The popup's answer carries the new row's name as JSON in an attribute, which the
    admin's script reads: an article titled with a payload must stay data there."""
    client = _signed_in(world.superuser)
    url = reverse("admin:discussion_article_add") + "?_popup=1&_to_field=id"
    for number, vector in enumerate(spread(8)):
        answer = client.post(url, {
            "site": world.site.pk, "canonical_url": f"https://example.com/popup/{number}",
            "title": vector[:300], "comment_mode": "open", "thread_version": "0",
            "_popup": "1", "_to_field": "id",
            "published_at_0": "2026-12-01", "published_at_1": "09:00:00",
        })
        assert answer.status_code == 200, answer.status_code
        html = answer.content.decode()
        _check_page(html, [], f"admin popup answer {number}")
        attribute = re.search(r'data-popup-response="([^"]*)"', html)
        assert attribute is not None, answer.context["adminform"].form.errors
        data = json.loads(unescape(attribute.group(1)))
        assert data["obj"] == str(Article.objects.get(
            site=world.site, canonical_url=f"https://example.com/popup/{number}"))


# --- the JSON API -------------------------------------------------------------------------

def _strings(data: object) -> list[str]:
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def _json(client: Client, path: str, where: str, **headers: str) -> object:
    response = client.get(path, **headers)
    assert response.status_code == 200, (where, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), where
    assert response["X-Content-Type-Options"] == "nosniff", where
    data = response.json()
    for part in _html_strings(data):  # a fragment for a page's script to insert
        _check_page(part, [], f"{where}: HTML fragment")
    return data


def _the_api_gives_every_payload_back_as_data(world: World) -> None:
    """No HTML context, but the pages' and publishers' scripts read these: every text comes
    back exactly as typed (a JSON string, never a fragment of markup), with nosniff, so a
    browser never takes the body for a page."""
    site = world.site.slug
    anonymous = Client()
    shown: list[str] = []
    after = ""
    for _ in range(200):
        data = _json(anonymous, f"/api/v1/sites/{site}/articles/{world.article.pk}/thread"
                     + after, "API thread")
        shown += _strings(data)
        if not data.get("next_page"):
            break
        after = "?" + data["next_page"].split("?", 1)[1]
    published = [c.text for c in world.comments if c.status == Comment.Status.PUBLISHED]
    assert set(published) <= set(shown), "a published text did not come back as typed"
    names = {a.display_name for a in world.authors if a.display_name}
    assert names & set(shown)
    rules = _json(anonymous, f"/api/v1/sites/{site}/rules", "API rules")
    assert {p[:200] for p in world.rules_payloads} <= set(_strings(rules))
    staff = _signed_in(world.moderator)
    for tab in ["reported", "held", "recent"]:
        _json(staff, f"/api/v1/sites/{site}/moderation/queue?tab={tab}", f"API queue {tab}")
    decided = _json(staff, f"/api/v1/sites/{site}/moderation/decided", "API decided")
    assert {c.text for c in world.moderated[:10]} & set(_strings(decided))
    for comment in world.moderated[:5]:
        _json(staff, f"/api/v1/sites/{site}/moderation/comments/{comment.pk}/audit",
              "API comment audit")
        _json(staff, f"/api/v1/sites/{site}/moderation/users/{comment.author_id}/audit",
              "API author audit")
    for number, vector in enumerate(spread(5)):
        bearer = f"Bearer {token(world.site, sub=f'x-{number}-{vector}'[:255], name=vector)}"
        me = _json(Client(), f"/api/v1/sites/{site}/me", "API me",
                   HTTP_AUTHORIZATION=bearer)
        assert me["signed_in"] is True
        _json(Client(), f"/api/v1/sites/{site}/articles/{world.article.pk}/thread/viewer",
              "API viewer", HTTP_AUTHORIZATION=bearer)


# --- what pages echo back ------------------------------------------------------------------

def _refused_forms_and_query_strings_echo_the_payloads_as_text(world: World) -> None:
    """A refused form comes back with what was typed in it, and the dashboard's filters and
    the sign-in page's `next` are printed in the page: all of it as text."""
    site = world.site.slug
    author = world.authors[0]
    reader = _signed_in(author)
    for vector in spread(10):
        too_long = vector + " x" * 2600  # over the 5,000 characters: refused, shown again
        answer = reader.post(reverse("post_comment", args=[site, world.article.pk]),
                             {"text": too_long})
        assert answer.status_code < 500, answer.status_code
        html = answer.content.decode()
        _check_page(html, [too_long], "refused comment")  # shown again, as text
    staff = _signed_in(world.moderator)
    target = next(c for c in world.comments if c.status == Comment.Status.PUBLISHED)
    for vector in spread(10):
        answer = staff.post(reverse("moderation_amend", args=[site, target.pk]),
                            {"text": vector, "rule": "", "reason": vector}, follow=True)
        assert answer.status_code < 500, answer.status_code
        _check_page(answer.content.decode(), [], "refused amendment")
        answer = staff.post(reverse("moderation_note", args=[site, target.author_id]),
                            {"text": "", "row": target.pk}, follow=True)
        assert answer.status_code < 500, answer.status_code
        _check_page(answer.content.decode(), [], "refused note")
    queue = reverse("moderation_queue", args=[site])
    thread = reverse("thread", args=[site, world.article.pk])
    for vector in spread(10):
        for client, path, query in [
            (staff, queue, {"q": vector, "tab": "reported"}),
            (staff, queue, {"tab": vector}),
            (staff, reverse("moderation_stats", args=[site]), {"period": vector}),
            (Client(), thread, {"sort": vector, "page": vector}),
            (Client(), reverse("login"), {"next": vector}),
            (Client(), reverse("signup"), {"next": vector}),
        ]:
            answer = client.get(path, query)
            assert answer.status_code < 500, (path, answer.status_code)
            if answer["Content-Type"].startswith("text/html"):
                _check_page(answer.content.decode(), [], f"{path}?{urlencode(query)}")


# --- emails -------------------------------------------------------------------------------

def _emails_are_plain_text(world: World, capture_on_commit) -> None:
    """Authors are told of decisions by email: plain text only (no HTML part for a mail
    client to render), the reason as typed, the subject one line."""
    mail.outbox.clear()
    targets = [c for c in world.comments
               if c.status == Comment.Status.PUBLISHED and c.author.email][-8:]
    with capture_on_commit(execute=True):
        for comment, vector in zip(targets, spread(8), strict=True):
            moderation.remove_comment(site=world.site, actor=world.moderator,
                                      comment_id=comment.pk, rule=1, reason=vector)
    assert len(mail.outbox) >= len(targets)  # the authors, and any reporter told
    for message in mail.outbox:
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", [])
        assert "\n" not in message.subject
        assert "\r" not in message.subject
    bodies = [message.body for message in mail.outbox]
    for vector in spread(8):
        assert any(vector.strip() in body for body in bodies), vector


def test_every_page_shows_every_payload_as_text(world, django_capture_on_commit_callbacks):
    """One world (1,600+ comments, their authors, reports, decisions) for every page: it
    costs most of this test's time to build."""
    _the_thread_shows_every_payload_as_text(world)
    _an_authors_own_held_comment_is_shown_to_them_as_text(world)
    _article_titles_and_the_rules_are_shown_as_text(world)
    _the_authors_notifications_show_the_reasons_as_text(world)
    _every_queue_tab_shows_the_payloads_as_text(world)
    _the_comment_and_author_pages_show_the_payloads_as_text(world)
    _the_figures_show_the_payloads_as_text(world)
    _the_audit_export_cannot_start_a_formula(world)
    _the_admin_shows_the_payloads_as_text(world)
    _an_article_added_in_an_admin_popup_answers_with_its_title_as_data(world)
    _the_api_gives_every_payload_back_as_data(world)
    _refused_forms_and_query_strings_echo_the_payloads_as_text(world)
    _emails_are_plain_text(world, django_capture_on_commit_callbacks)
