"""A Disqus XML export (Admin › Moderation › Export), read as a stream.

The format, as Disqus documents it (help.disqus.com "Comments Export", schema at
disqus.com/api/schemas/1.0/disqus.xsd) and as exports in the wild have it:

    <disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
      <category dsq:id="…"><forum>shortname</forum><title>…</title></category>
      <thread dsq:id="123"><id>identifier</id><forum>shortname</forum>
        <link>https://…</link><title>…</title><createdAt>2012-12-12T12:12:12Z</createdAt>
        <author>…</author><isClosed>…</isClosed><isDeleted>…</isDeleted></thread>
      <post dsq:id="456"><id/><message><![CDATA[<p>html</p>]]></message>
        <createdAt>…</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
        <author><email/><name/><isAnonymous/><username/></author>
        <thread dsq:id="123"/><parent dsq:id="455"/></post>
    </disqus>

Categories come first, then threads, then posts (the order is documented; a post naming a
thread not read before it is reported as an unknown thread). A post or parent may name a
thread or post by its `dsq:id` attribute or by the `<id>` text instead; both are kept.
Dates without a zone are UTC. States: `isSpam` → removed, `isDeleted` → deleted (its
replies stay, under a tombstone), `isApproved` false → pending; exports without an
`isApproved` field are Disqus's default, approved. Authors are told apart by Disqus
username, else email (exports of guests often have none: never a crash), else name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from belowtheline.imports import records as r
from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.text import html_to_text
from belowtheline.imports.xmlstream import events, local, namespace, text_of

NS = "http://disqus.com"
DSQ = "http://disqus.com/disqus-internals"
_DSQ_ID = f"{{{DSQ}}}id"


def _child(element: Element, name: str) -> Element | None:
    return element.find(f"{{{NS}}}{name}")


def _text(element: Element, name: str) -> str:
    return text_of(_child(element, name)).strip()


def _flag(element: Element, name: str) -> bool | None:
    child = _child(element, name)
    if child is None or not (child.text or "").strip():
        return None
    return (child.text or "").strip().lower() == "true"


def _ref(element: Element | None) -> str:
    """A reference to a thread or post: its dsq:id attribute, else its text identifier."""
    if element is None:
        return ""
    dsq = (element.get(_DSQ_ID) or "").strip()
    if dsq:
        return f"dsq:{dsq}"
    ident = (element.text or "").strip()
    return f"id:{ident}" if ident else ""


def _ids(element: Element) -> tuple[str, str]:
    """(source_id, alt_id) of a thread or post."""
    dsq = (element.get(_DSQ_ID) or "").strip()
    ident = _text(element, "id")
    alt = f"id:{ident}" if ident else ""
    if dsq:
        return f"dsq:{dsq}", alt
    return alt, ""


class DisqusExport:
    """Iterate `records()`; `source` is known once the first record has been yielded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = "disqus"
        self._forum = ""

    def records(self) -> Iterator[r.Record]:
        root_seen = False
        for event, element, depth in events(self.path):
            if depth == 0 and event == "start":
                root_seen = True
                if local(element.tag) != "disqus" or namespace(element.tag) != NS:
                    raise ImportRefused(
                        "wrong_format",
                        f"this is not a Disqus export: its root element is "
                        f"<{local(element.tag)}> (namespace {namespace(element.tag) or 'none'}),"
                        f" not <disqus> in {NS}.",
                    )
                root = element
                continue
            if event != "end" or depth != 1:
                continue
            kind = local(element.tag) if namespace(element.tag) == NS else ""
            if not self._forum and kind in ("category", "thread"):
                self._forum = _text(element, "forum")
                if self._forum:
                    self.source = f"disqus:{self._forum}"
            if kind == "thread":
                yield self._thread(element)
            elif kind == "post":
                yield self._post(element)
            root.clear()  # what has been read is never needed again: memory stays flat
        if not root_seen:
            raise ImportRefused("wrong_format", "this is not a Disqus export.")

    def _thread(self, element: Element) -> r.Record:
        source_id, alt_id = _ids(element)
        if not source_id:
            return r.BadRecord("thread", "(no id)", "a thread without an id")
        try:
            created = r.parse_iso_datetime(_text(element, "createdAt"))
        except r.BadValue:
            created = None
        return r.ThreadRecord(
            source_id=source_id, alt_id=alt_id, url=_text(element, "link") or None,
            title=" ".join(_text(element, "title").split())[:300], published_at=created,
        )

    def _post(self, element: Element) -> r.Record:
        source_id, alt_id = _ids(element)
        if not source_id:
            return r.BadRecord("comment", "(no id)", "a post without an id")
        thread_ref = _ref(_child(element, "thread"))
        if not thread_ref:
            return r.BadRecord("comment", source_id, "a post that names no thread")
        try:
            created = r.parse_iso_datetime(_text(element, "createdAt"))
        except r.BadValue as exc:
            return r.BadRecord("comment", source_id, str(exc))
        author = _child(element, "author")
        name = email = username = ""
        if author is not None:
            name = _text(author, "name")
            email = _text(author, "email")
            if not _flag(author, "isAnonymous"):
                username = _text(author, "username")
        if _flag(element, "isSpam"):
            status = r.REMOVED
        elif _flag(element, "isDeleted"):
            status = r.DELETED
        elif _flag(element, "isApproved") is False:
            status = r.PENDING
        else:
            status = r.PUBLISHED
        return r.CommentRecord(
            source_id=source_id, alt_id=alt_id, thread_ref=thread_ref,
            parent_ref=_ref(_child(element, "parent")),
            author_key=r.author_key(username=username, email=email, name=name),
            author_name=name or username or r.ANONYMOUS,
            text=html_to_text(text_of(_child(element, "message"))),
            status=status, created_at=created,
        )
