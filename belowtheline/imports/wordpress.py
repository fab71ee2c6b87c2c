"""A WordPress export (WXR, Tools › Export), read as a stream.

WXR is RSS 2.0 with WordPress's elements in a namespace whose URI names the version:
`http://wordpress.org/export/1.0/`, `1.1/` or `1.2/` (and the same with `https://`, which
some exporters and plugins write). Elements are matched by that URI, never by the `wp:`
prefix: a file may bind any prefix, and a `wp:` bound to some other URI is not WordPress's.

    <rss><channel>
      <wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://blog.example</…>
      <item><title>…</title><link>https://blog.example/2012/01/a-post/</link>
        <wp:post_id>12</wp:post_id><wp:post_date_gmt>2012-01-01 10:00:00</…>
        <wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
        <wp:comment><wp:comment_id>3</…><wp:comment_author>Bob</…>
          <wp:comment_author_email>…</…><wp:comment_date_gmt>…</…>
          <wp:comment_content>html</…><wp:comment_approved>1</…>
          <wp:comment_type></…><wp:comment_parent>0</…><wp:comment_user_id>0</…>
        </wp:comment></item>
    </channel></rss>

Posts and pages become articles, with or without comments (drafts, pending, private and
scheduled ones too; trashed ones and auto-drafts do not, nor attachments and other
types, whose comments are reported). `comment_approved`: 1 → published, 0 → pending,
spam → removed, trash and post-trashed → removed; a comment without the field is pending
(never shown unapproved). Pingbacks and trackbacks are not readers' comments: reported
and left out. `comment_date_gmt` is the time; when WordPress left it empty or zero, the
local `comment_date` is taken as UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from belowtheline.imports import records as r
from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.text import html_to_text
from belowtheline.imports.xmlstream import events, local, namespace, text_of

WXR_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.[012]/")
ARTICLE_TYPES = {"post", "page"}
NOT_ARTICLES = {"trash", "auto-draft", "inherit"}
APPROVAL = {"1": r.PUBLISHED, "approve": r.PUBLISHED, "0": r.PENDING, "hold": r.PENDING,
            "spam": r.REMOVED, "trash": r.REMOVED, "post-trashed": r.REMOVED}
_ZERO_DATE = re.compile(r"^0000-00-00")


class WordPressExport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = "wordpress"
        self.wxr_ns = ""

    def _wp(self, element: Element, name: str) -> str:
        if not self.wxr_ns:
            return ""
        return text_of(element.find(f"{{{self.wxr_ns}}}{name}")).strip()

    def _wp_raw(self, element: Element, name: str) -> str:
        return text_of(element.find(f"{{{self.wxr_ns}}}{name}")) if self.wxr_ns else ""

    def records(self) -> Iterator[r.Record]:
        channel: Element | None = None
        channel_link = ""
        for event, element, depth in events(self.path):
            if event == "start":
                ns = namespace(element.tag)
                if depth == 0 and (local(element.tag) != "rss" or ns):
                    raise ImportRefused(
                        "wrong_format",
                        f"this is not a WordPress export: its root element is "
                        f"<{local(element.tag)}>, not <rss>.")
                if depth == 1:
                    if local(element.tag) != "channel":
                        raise ImportRefused("wrong_format", "this is not a WordPress "
                                            "export: <rss> holds no <channel>.")
                    channel = element
                if not self.wxr_ns and WXR_NAMESPACE.fullmatch(ns):
                    self.wxr_ns = ns
                continue
            if depth != 2 or channel is None:
                continue
            name = local(element.tag)
            if namespace(element.tag) == self.wxr_ns and name == "base_site_url":
                base = text_of(element).strip().rstrip("/")
                if base:
                    self.source = f"wordpress:{base}"
            elif name == "link" and not namespace(element.tag):
                channel_link = text_of(element).strip().rstrip("/")
                if self.source == "wordpress" and channel_link:
                    self.source = f"wordpress:{channel_link}"
            elif name == "item":
                if not self.wxr_ns:
                    raise ImportRefused(
                        "wrong_format",
                        "this is RSS but not a WordPress export: it has no elements in a "
                        "WXR namespace (http://wordpress.org/export/1.0/, 1.1/ or 1.2/).")
                yield from self._item(element)
            channel.clear()
        if channel is None:
            raise ImportRefused("wrong_format", "this is not a WordPress export.")
        if not self.wxr_ns:
            raise ImportRefused("wrong_format", "this is not a WordPress export: no elements "
                                "in a WXR namespace (http://wordpress.org/export/1.x/).")

    def _item(self, item: Element) -> Iterator[r.Record]:
        post_id = self._wp(item, "post_id")
        post_type = self._wp(item, "post_type") or "post"
        status = self._wp(item, "status") or "publish"
        comments = item.findall(f"{{{self.wxr_ns}}}comment")
        if not post_id:
            for c in comments:
                yield r.BadRecord("comment", self._wp(c, "comment_id") or "(no id)",
                                  "a comment on an item without a post_id")
            return
        if post_type not in ARTICLE_TYPES or status in NOT_ARTICLES:
            what = (f"{_a(post_type)} {post_type}" if post_type not in ARTICLE_TYPES
                    else f"{_a(post_type)} {post_type} in state {status}")
            for c in comments:
                yield r.BadRecord("comment", self._wp(c, "comment_id") or "(no id)",
                                  f"a comment on {what}, which is not an article")
            return
        published = None
        for field in ("post_date_gmt", "post_date"):
            value = self._wp(item, field)
            if value and not _ZERO_DATE.match(value):
                try:
                    published = r.parse_iso_datetime(value)
                    break
                except r.BadValue:
                    pass
        title = " ".join(text_of(item.find("title")).split())[:300]
        yield r.ThreadRecord(source_id=post_id, url=text_of(item.find("link")).strip() or None,
                             title=title, published_at=published, always_create=True)
        for c in comments:
            yield self._comment(c, post_id)

    def _comment(self, c: Element, post_id: str) -> r.Record:
        comment_id = self._wp(c, "comment_id")
        if not comment_id:
            return r.BadRecord("comment", "(no id)", "a comment without a comment_id")
        kind = self._wp(c, "comment_type")
        if kind in ("pingback", "trackback"):
            return r.BadRecord("comment", comment_id, f"a {kind}, not a reader's comment")
        created = None
        for field in ("comment_date_gmt", "comment_date"):
            value = self._wp(c, field)
            if value and not _ZERO_DATE.match(value):
                try:
                    created = r.parse_iso_datetime(value)
                except r.BadValue as exc:
                    return r.BadRecord("comment", comment_id, str(exc))
                break
        if created is None:
            return r.BadRecord("comment", comment_id, "no date")
        approved = c.find(f"{{{self.wxr_ns}}}comment_approved")
        status = (APPROVAL.get((approved.text or "").strip().lower(), r.PENDING)
                  if approved is not None else r.PENDING)
        parent = self._wp(c, "comment_parent")
        user_id = self._wp(c, "comment_user_id")
        name = self._wp(c, "comment_author")
        return r.CommentRecord(
            source_id=comment_id, thread_ref=post_id,
            parent_ref="" if parent in ("", "0") else parent,
            author_key=r.author_key(user_id="" if user_id in ("", "0") else user_id,
                                    email=self._wp(c, "comment_author_email"), name=name),
            author_name=name or r.ANONYMOUS,
            text=html_to_text(self._wp_raw(c, "comment_content")),
            status=status, created_at=created,
        )


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
