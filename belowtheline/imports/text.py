"""Comment bodies from other systems, as our plain text.

Disqus, WordPress and Isso keep a comment's HTML (Isso its Markdown, which may hold HTML
too). We show comments as plain text, escaped on output, so an imported body is turned
into the text a reader saw on the old page:

- character references (`&amp;`, `&#8217;`, `&eacute;`) are decoded exactly once, by the
  HTML parser; what the XML layer already decoded is not decoded again, so a comment that
  said "&amp;lt;" (someone writing about HTML) still says "&lt;";
- paragraphs (`<p>`, `<div>`, `<blockquote>`, lists, headings) become blank-line separated,
  `<br>` a line break; line breaks already in the source are kept (WordPress keeps them
  as the author typed and turns them into paragraphs only when showing the page);
- a link keeps its text and its address: `the report (https://example.org/r)`; an image
  its alt text; scripts and styles are dropped with their content; every other tag is
  dropped, its text kept — no markup can reach a page as HTML because none is kept;
- nothing else changes: no Unicode normalisation (combining characters, right-to-left
  text and emoji stay exactly as they were), backslashes stay, only control characters
  other than newline and tab are removed (PostgreSQL refuses NUL; the others show as
  boxes).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
          "table", "tr", "section", "article", "header", "footer", "figure", "hr"}
_DROP_CONTENT = {"script", "style", "template", "head", "title", "noscript"}
_LINK_SCHEMES = ("http://", "https://", "mailto:")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0
        self.links: list[tuple[str, int]] = []  # href, position in out where its text begins

    def _break(self, newlines: int) -> None:
        self.out.append("\n" * newlines)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.dropping += 1
        elif tag == "br":
            self._break(1)
        elif tag == "li":
            self._break(1)
            self.out.append("- ")
        elif tag in _BLOCK:
            self._break(2)
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.links.append((href, len(self.out)))
        elif tag == "img":
            attr = dict(attrs)
            alt = (attr.get("alt") or "").strip()
            src = (attr.get("src") or "").strip()
            if src.startswith(_LINK_SCHEMES[:2]):
                self.out.append(f"[image: {alt}] ({src})" if alt else f"[image] ({src})")
            elif alt:
                self.out.append(f"[image: {alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _DROP_CONTENT:
            self.dropping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK:
            self._break(2)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.out[start:]).strip()
            if href.startswith(_LINK_SCHEMES) and href.removeprefix("mailto:") not in (
                shown, shown.rstrip("/") + "/", shown.rstrip("/")
            ):
                self.out.append(f" ({href})" if shown else href)

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)


_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BREAKS = re.compile(r"\n{3,}")
# Unicode's control characters (category Cc) but newline and tab.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def html_to_text(html: str | None) -> str:
    """The plain text of an HTML (or HTML-bearing Markdown) comment body; see the module."""
    if not html:
        return ""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BREAKS.sub("\n\n", text).strip()
