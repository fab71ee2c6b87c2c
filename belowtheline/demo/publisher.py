"""A stand-in publisher's website for the demo, served on its own port (its own origin).

"The Wrenmouth Courier" as its own web team would build it: plain article pages with the
embed tag under the story, a list page with comment counts, and a toy sign-in that lets a
visitor be a subscriber or a non-subscriber. The sign-in signs an HS256 subscriber token
with the demo site's shared secret exactly as a real publisher's server would, keeps it
in the Courier's own first-party cookie and hands it to the embed through
`window.btlToken`; nothing here calls Below the Line except through the browser.

It is a small WSGI app rather than Django views so that it is visibly not part of the
comments site: `btl serve --publisher-port N` runs it with waitress on a second port.
"""

import html
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import jwt

from belowtheline.demo import content

COOKIE = "courier_reader"
TOKEN_LIFETIME = timedelta(hours=1)
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class DemoReaderIdentity:
    """A reader of the Courier as its own subscription system knows them."""

    sub: str
    name: str
    email: str
    subscriber: bool


READERS = {
    "subscriber": DemoReaderIdentity(
        "courier-1001", "Morgan Ellis", "morgan.ellis@courier-readers.example", True
    ),
    "reader": DemoReaderIdentity(
        "courier-1002", "Robin Shaw", "robin.shaw@courier-readers.example", False
    ),
}


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    standfirst: str
    body: str
    url: str  # canonical: what the embed registers the thread under
    published: str  # ISO 8601, or ""


def demo_sso_secret() -> str:
    return os.environ.get("BTL_DEMO_SSO_SECRET", content.DEMO_SSO_SECRET_DEFAULT)


def demo_stories() -> list[Story]:
    """The demo's stories with the canonical URLs the loader gave them.

    A real publisher knows its own URLs; the demo's carry the date they were loaded, so
    they are read back (filtered by the demo site) instead of guessed.
    """
    from belowtheline.discussion.models import Article

    by_title = {
        a.title: a
        for a in Article.objects.filter(site__slug=content.SITE_SLUG)
    }
    stories = []
    for spec in content.ARTICLES:
        article = by_title.get(spec.title)
        stories.append(Story(
            slug=spec.slug, title=spec.title, standfirst=spec.standfirst, body=spec.body,
            url=article.canonical_url if article else f"{content.ARTICLE_URL_BASE}/{spec.slug}",
            published=article.published_at.isoformat() if article and article.published_at
            else "",
        ))
    return stories


def sign_token(reader: DemoReaderIdentity, *, secret: str, audience: str,
               now: datetime) -> str:
    """What a publisher's server does for its signed-in reader (see docs/embed.md)."""
    claims = {
        "sub": reader.sub, "name": reader.name, "email": reader.email,
        "subscriber": reader.subscriber, "aud": audience,
        "iat": int(now.timestamp()), "exp": int((now + TOKEN_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>{head}
<style>
body {{ margin: 0; font: 1.05rem/1.6 Georgia, serif; color: #1d1d1b; background: #fbfaf7; }}
header {{ background: #1f3a5f; color: #fff; padding: .8rem 1rem; display: flex;
  flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }}
header a {{ color: #fff; font-size: 1.5rem; text-decoration: none; font-weight: bold; }}
header form {{ display: inline; font: .9rem system-ui, sans-serif; }}
main {{ max-width: 46rem; margin: 0 auto; padding: 1rem; }}
.standfirst {{ font-size: 1.2rem; color: #444; }}
.note {{ font: .85rem system-ui, sans-serif; color: #555; border-top: 1px solid #ccc;
  padding-top: .5rem; }}
</style></head>
<body>
<header><a href="/">The Wrenmouth Courier</a>
<span>{account}</span></header>
<main>{main}</main>
<p class="note" style="max-width:46rem;margin:2rem auto;padding:1rem">
A stand-in publisher's site for the Below the Line demo, on its own origin: the comments
below each story come from {comments_url} through one script tag.</p>
</body></html>"""


class PublisherSite:
    """The Courier's site as a WSGI app.

    `comments_url` is where Below the Line runs; without it, the same host name as this
    page on `comments_port` (so it works behind any host name the visitor used).
    `stories` defaults to the demo's, read from the database on each request.
    """

    def __init__(self, *, comments_url: str | None = None, comments_port: int | None = None,
                 stories: Sequence[Story] | None = None, secret: str | None = None,
                 site_slug: str = content.SITE_SLUG) -> None:
        self.comments_url = comments_url.rstrip("/") if comments_url else None
        self.comments_port = comments_port or int(os.environ.get("PORT", "8000"))
        self.stories = list(stories) if stories is not None else None
        self.secret = secret or demo_sso_secret()
        self.site_slug = site_slug

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST" and path in ("/sign-in", "/sign-out"):
            return self.sign_in_or_out(environ, start_response, path == "/sign-in")
        if method not in ("GET", "HEAD"):
            return self.plain(start_response, "405 Method Not Allowed", "Method not allowed.")
        stories = self.stories if self.stories is not None else demo_stories()
        if path == "/":
            return self.page(environ, start_response, "The Wrenmouth Courier",
                             self.front(stories))
        for story in stories:
            if path == f"/news/{story.slug}":
                return self.page(environ, start_response, story.title,
                                 self.article(story), story=story)
        return self.plain(start_response, "404 Not Found", "No such page.")

    def comments_base(self, environ: dict[str, Any]) -> str:
        if self.comments_url:
            return self.comments_url
        host = environ.get("HTTP_HOST", "127.0.0.1").rsplit(":", 1)[0]
        return f"http://{host}:{self.comments_port}"

    def reader_token(self, environ: dict[str, Any]) -> str | None:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookie.get(COOKIE)
        if morsel is None:
            return None
        try:  # our own cookie: still ours and still valid, else signed out
            jwt.decode(morsel.value, self.secret, algorithms=["HS256"], audience=self.site_slug)
        except jwt.PyJWTError:
            return None
        return morsel.value

    def sign_in_or_out(self, environ: dict[str, Any], start_response: StartResponse,
                       sign_in: bool) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(min(size, 4096)).decode())
        back = form.get("next", ["/"])[0]
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        headers = [("Location", back), ("Cache-Control", "no-store")]
        reader = READERS.get(form.get("as", [""])[0])
        if sign_in and reader is not None:
            token = sign_token(reader, secret=self.secret, audience=self.site_slug,
                               now=datetime.now(UTC))
            cookie = (f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; "
                      f"Max-Age={int(TOKEN_LIFETIME.total_seconds())}")
        else:
            cookie = f"{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        start_response("303 See Other", [*headers, ("Set-Cookie", cookie)])
        return [b""]

    def account(self, environ: dict[str, Any], token: str | None) -> str:
        back = html.escape(environ.get("PATH_INFO", "/"))
        if token:
            claims = jwt.decode(token, options={"verify_signature": False})
            who = "subscriber" if claims.get("subscriber") else "not a subscriber"
            return (f'Signed in as {html.escape(claims.get("name", ""))} ({who}) '
                    f'<form method="post" action="/sign-out"><input type="hidden" name="next" '
                    f'value="{back}"><button>Sign out</button></form>')
        return (f'<form method="post" action="/sign-in"><input type="hidden" name="next" '
                f'value="{back}">Demo sign-in: '
                '<button name="as" value="subscriber">as a subscriber</button> '
                '<button name="as" value="reader">as a non-subscriber</button></form>')

    def page(self, environ: dict[str, Any], start_response: StartResponse, title: str,
             main: str, *, story: Story | None = None) -> Iterable[bytes]:
        """A page with the embed tag: the thread under a story, the counts on the list."""
        token = self.reader_token(environ)
        base = self.comments_base(environ)
        head = ""
        if story is not None:
            head += f'\n<link rel="canonical" href="{html.escape(story.url)}">'
        # The token reaches the embed only through this function, on this page.
        head += (f"\n<script>window.btlToken = function () {{ return {json.dumps(token)}; }};"
                 "</script>")
        attrs = f' data-site="{html.escape(self.site_slug)}"'
        if story is not None:
            attrs += (f' data-url="{html.escape(story.url)}"'
                      f' data-title="{html.escape(story.title)}"')
            if story.published:
                attrs += f' data-published="{html.escape(story.published)}"'
        main += f'\n<script src="{html.escape(base)}/embed.js"{attrs} async></script>'
        body = PAGE.format(
            title=html.escape(title), head=head, account=self.account(environ, token),
            main=main, comments_url=html.escape(base),
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Cache-Control", "no-store")])
        return [body.encode()]

    def front(self, stories: Sequence[Story]) -> str:
        items = "".join(
            f'<li><a href="/news/{html.escape(s.slug)}">{html.escape(s.title)}</a> · '
            f'<span data-btl-count="{html.escape(s.url)}">…</span> comments</li>'
            for s in stories
        )
        return f"<h1>Latest news</h1><ul class=\"stories\">{items}</ul>"

    def article(self, story: Story) -> str:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in story.body.split("\n\n"))
        return (f"<article><h1>{html.escape(story.title)}</h1>"
                f'<p class="standfirst">{html.escape(story.standfirst)}</p>{paragraphs}'
                '</article>\n<h2>Comments</h2>\n<div id="btl-comments"></div>')

    @staticmethod
    def plain(start_response: StartResponse, status: str, text: str) -> Iterable[bytes]:
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [text.encode()]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The demo's Courier, with Below the Line on this host at $PORT."""
    return PublisherSite()(environ, start_response)
