"""The cross-site scripting corpus in Chromium: the pages tests/test_xss_corpus.py reads
with a parser, loaded in a real browser with the corpus in every field. No vector runs:

- a hook on `alert`, `confirm`, `prompt` and `print`, on dialogs and on Content Security
  Policy violations would record one that did (or whose script was there to be blocked);
- every request the pages make is watched: one to any host but ours is recorded and
  refused (the corpus's own addresses are all on evil.example);
- the DOM the browser built, after our scripts ran and the viewer's part was filled in,
  has no `on…` attribute, no `javascript:`/`vbscript:`/`data:` URL, no element a payload
  would bring (unknown elements, MathML, SVG or media elements that are not ours), no
  script or stylesheet but our files, no style of a payload's;
- and the page kept its structure: on each thread page, every comment the server put there
  is an item of the comment list whose text is the comment's own, exactly.

Every thread page is loaded (about 50 comments each, so the whole corpus), then a sample of
the rest: the pages every vector reaches are the same templates. The embed is loaded as a
publisher's page uses it, on another origin, with a subscriber token whose `name` is a
vector and whose author has comments under review: the viewer's JSON (`box_html`, the
unpublished comments' HTML, the edit texts, the name) is laid over the page by our script.
"""

import threading
from collections.abc import Iterator
from html import escape
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.discussion.models import Comment
from belowtheline.moderation import services as moderation
from tests.api.test_bearer_tokens import token
from tests.test_xss_corpus import World, build_world
from tests.xss_corpus import spread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(site, settings) -> World:
    return build_world(site, settings)


HOOK = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + '(' + args.join(',') + ')'); };
}
document.addEventListener('securitypolicyviolation', e =>
  window.__xss.push('blocked by the policy: ' + e.violatedDirective + ' ' + e.blockedURI));
"""
LIVE_DOM = r"""() => {
  const found = [];
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc',
                'background', 'poster', 'ping', 'srcset', 'values', 'to', 'from', 'by'];
  const ours = ['svg', 'g', 'rect', 'line', 'text', 'title', 'desc', 'path', 'symbol', 'use'];
  const svg = 'http://www.w3.org/2000/svg', math = 'http://www.w3.org/1998/Math/MathML';
  const badCss = /evil\.example|javascript|expression|@import|binding|behavior/i;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(tag + ' ' + attr.name);
      if (urls.includes(attr.name) && attr.value !== 'data:,'
          && /^\s*(javascript|vbscript|livescript|data)\s*:/i.test(attr.value)) {
        found.push(tag + ' ' + attr.name + '=' + attr.value);
      }
      if (attr.name === 'style' && badCss.test(attr.value)) {
        found.push(tag + ' style=' + attr.value);
      }
    }
    if (el instanceof HTMLUnknownElement) found.push('unknown <' + tag + '>');
    if (el.namespaceURI === math) found.push('MathML <' + tag + '>');
    if (el.namespaceURI === svg && !ours.includes(tag)) found.push('SVG <' + tag + '>');
    if (['iframe', 'frame', 'object', 'embed', 'base', 'video', 'audio', 'source', 'track',
         'picture', 'map', 'area', 'marquee', 'portal', 'noscript', 'xmp', 'listing',
         'plaintext', 'noembed', 'noframes', 'frameset'].includes(tag)) {
      found.push('<' + tag + '>');
    }
    if (tag === 'img' && !el.getAttribute('src').startsWith('/static/')) found.push('<img>');
    if (tag === 'script') {
      const src = el.getAttribute('src') || '';
      if (!src.startsWith('/static/') && !src.startsWith('/admin/jsi18n/')) {
        found.push('script ' + (src || el.textContent.slice(0, 80)));
      }
    }
    if (tag === 'link' && !/^(\/static\/|data:,$)/.test(el.getAttribute('href') || '')) {
      found.push('link ' + el.getAttribute('href'));
    }
    if (tag === 'style' && badCss.test(el.textContent)) {
      found.push('style ' + el.textContent.slice(0, 80));
    }
    const equiv = el.getAttribute('http-equiv') || '';
    if (tag === 'meta' && /refresh|set-cookie|link/i.test(equiv)) found.push('meta ' + equiv);
  }
  return found;
}"""
# The text of every comment of the list, by id, as the reader sees it.
COMMENT_TEXTS = """() => Object.fromEntries(
  Array.from(document.querySelectorAll('#comment-list li.comment'), li => {
    const text = li.querySelector(':scope > .text');
    return [li.id, text ? text.textContent : null];
  }))"""


def _squash(text: str) -> str:
    return "".join(text.split())


def _session_cookie(user, live_server) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value,
            "url": live_server.url}


class _Visit:
    """A browser context with the hooks in place; every request to another host than
    ours is recorded and refused."""

    def __init__(self, browser, hosts: set[str], cookie: dict[str, str] | None = None):
        self.context = browser.new_context()
        self.context.add_init_script(HOOK)
        if cookie is not None:
            self.context.add_cookies([cookie])
        self.outside: list[str] = []
        self.context.route("**/*", lambda route: self._guard(route, hosts))
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _guard(self, route, hosts: set[str]) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc not in hosts:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def problems(self, frame=None, *, dom: bool = True) -> list[str]:
        """What ran or was asked for, and what the DOM holds (not on a publisher's page,
        which is not ours to judge: its iframe and script are the embed)."""
        where = frame or self.page
        found = where.evaluate("window.__xss") + self.dialogs
        if dom:
            found += where.evaluate(LIVE_DOM)
        found += [f"request to {url}" for url in self.outside]
        self.dialogs.clear()
        self.outside.clear()
        return found

    def load(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None, url
        assert response.status == 200, (url, response.status)
        self.page.wait_for_load_state("networkidle")


def _thread_pages(world: World, visit: _Visit, live_server, problems: dict) -> None:
    """Every page of the thread, anonymous: nothing runs, and every comment is itself."""
    thread = reverse("thread", args=[world.site.slug, world.article.pk])
    published = {f"comment-{c.pk}": c.text for c in world.comments
                 if c.status == Comment.Status.PUBLISHED}
    seen: set[str] = set()
    for page in range(1, 200):
        path = f"{thread}?page={page}"
        response = visit.page.goto(live_server.url + path)
        if response is None or response.status != 200:
            break
        visit.page.wait_for_load_state("networkidle")
        texts = visit.page.evaluate(COMMENT_TEXTS)
        if not texts:
            break
        for element_id, text in texts.items():
            if element_id in published:
                if text is None or _squash(text) != _squash(published[element_id]):
                    problems.setdefault(path, []).append(f"{element_id} shows {text!r}")
                seen.add(element_id)
        if found := visit.problems():
            problems.setdefault(path, []).extend(found[:5])
    assert seen == set(published), f"{len(set(published) - seen)} comments never shown"


def _staff_paths(world: World) -> list[str]:
    site = world.site.slug
    paths = [reverse("moderation_queue", args=[site]) + f"?tab={tab}"
             for tab in ("reported", "held", "recent", "decided")]
    paths += [reverse("moderation_comment", args=[site, c.pk]) for c in world.moderated[:3]]
    paths += [reverse("moderation_user", args=[site, c.author_id])
              for c in world.moderated[:3]]
    paths += [reverse("moderation_stats", args=[site])]
    return paths


def _admin_paths(world: World) -> list[str]:
    paths = [reverse(f"admin:{app}_{model}_changelist") for app, model in [
        ("discussion", "comment"), ("discussion", "article"), ("accounts", "user"),
        ("accounts", "apikey"), ("moderation", "auditentry"), ("moderation", "sanction"),
        ("moderation", "moderatornote"), ("integrations", "webhookdelivery"),
        ("accounts", "externalidentity")]]
    paths += [reverse("admin:accounts_user_changelist") + "?q=%3Csvg+onload%3Dalert(1)%3E"]
    paths += [reverse("admin:discussion_comment_change", args=[c.pk])
              for c in world.moderated[:2]]
    paths += [reverse("admin:accounts_user_change", args=[c.author_id])
              for c in world.moderated[:2]]
    paths += [reverse("admin:discussion_article_change", args=[world.articles[3].pk])]
    paths += [reverse("admin:accounts_apikey_change", args=[world.keys[0].pk])]
    paths += [reverse("admin:btl_sites_site_change", args=[world.site.pk])]
    return paths


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Threaded(WSGIServer):
    daemon_threads = True


@pytest.fixture
def publisher_page(live_server) -> Iterator[tuple[str, dict[str, str]]]:
    """A publisher's page on its own origin (127.0.0.1; the comments are on localhost)
    embedding the thread; its body is whatever the test puts in `pages`."""
    pages: dict[str, str] = {}

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        body = pages.get(environ["PATH_INFO"], "not here").encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", pages
    finally:
        server.shutdown()
        server.server_close()


def _hostile_reader_in_the_embed(world: World, browser, live_server, publisher_page,
                                 problems: dict) -> None:
    """A subscriber whose token names them with a vector, with comments of theirs published
    and under review, reads the thread in the publisher's page: the reader's part comes as
    JSON and our script lays it over the page."""
    origin, pages = publisher_page
    site = world.site
    site.allowed_origins = origin
    site.save()
    name = next(v for v in spread(40) if "<" in v)
    bearer = token(site, sub="hostile-reader", name=name[:60])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    assert api.generic("POST", f"/api/v1/sites/{site.slug}/rules/acceptance").status_code == 201
    texts = spread(8)
    mine = []
    for text in texts:
        posted = api.post(f"/api/v1/sites/{site.slug}/articles/{world.article.pk}/comments",
                          {"text": text}, content_type="application/json")
        assert posted.status_code == 201, posted.content
        mine.append(posted.json()["id"])
    held = mine[::2]
    for comment_id in held:
        moderation.hold_comment(site=site, actor=world.moderator, comment_id=comment_id,
                                reason="Looking into it")
    title = escape(spread(40)[7], quote=True)
    pages["/news/story"] = (
        f"<!doctype html><title>{title}</title>"
        '<link rel="canonical" href="' + escape(world.article.canonical_url) + '">'
        '<div id="btl-comments"></div>'
        f'<script src="{live_server.url}/embed.js" data-site="{site.slug}" '
        f'data-title="{title}" data-token="{escape(bearer)}" async></script>')
    hosts = {urlsplit(live_server.url).netloc, urlsplit(origin).netloc}
    visit = _Visit(browser, hosts)
    visit.load(f"{origin}/news/story")
    frame = visit.page.frame_locator("#btl-comments iframe")
    frame.locator(".account .who").wait_for()  # the reader's part is in
    inner = next(f for f in visit.page.frames if f.url.startswith(live_server.url))
    inner.wait_for_load_state("networkidle")
    found = visit.problems(dom=False) + visit.problems(inner)
    shown = inner.evaluate(COMMENT_TEXTS)
    by_id = {int(k.removeprefix("comment-")): v for k, v in shown.items()}
    for comment_id, text in zip(mine, texts, strict=True):
        if _squash(by_id.get(comment_id) or "") != _squash(text):
            found.append(f"comment {comment_id} shows {by_id.get(comment_id)!r}")
    who = inner.evaluate("document.querySelector('.account .who').textContent")
    if who != name[:60]:
        found.append(f"the reader's name shows as {who!r}")
    if found:
        problems["embed with a hostile reader"] = found[:8]
    visit.context.close()


def test_no_vector_runs_on_any_page(browser, live_server, world: World, publisher_page):
    site = world.site.slug
    ours = {urlsplit(live_server.url).netloc}
    problems: dict[str, list[str]] = {}

    visit = _Visit(browser, ours)
    _thread_pages(world, visit, live_server, problems)
    for path in [
        reverse("thread", args=[site, world.article.pk]) + "?embed=1",
        reverse("article", args=[site, world.article.pk]),
        reverse("article", args=[site, world.articles[0].pk]),
        reverse("rules", args=[site]),
        reverse("why_subscribers", args=[site]),
        "/",
    ]:
        visit.load(live_server.url + path)
        if found := visit.problems():
            problems[path] = found[:5]
    visit.context.close()

    held = next(c for c in world.moderated if c.status == Comment.Status.HELD)
    thread = reverse("thread", args=[site, world.article.pk])
    for who, paths in [
        (held.author, [thread, thread + "?embed=1", reverse("notifications", args=[site])]),
        (world.editor, _staff_paths(world)),
        (world.superuser, _admin_paths(world)),
    ]:
        visit = _Visit(browser, ours, _session_cookie(who, live_server))
        for path in paths:
            visit.load(live_server.url + path)
            if found := visit.problems():
                problems[path] = found[:5]
        visit.context.close()

    _hostile_reader_in_the_embed(world, browser, live_server, publisher_page, problems)
    assert problems == {}
