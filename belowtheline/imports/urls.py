"""Which article an imported thread belongs to: its canonical URL, normalised.

Old systems saw the same story under several addresses (`http://` before the site moved to
HTTPS, with and without a trailing slash, with `?utm_source=…` from a newsletter), and
made a thread for each. We want one article per story, so addresses are normalised:

1. Only `http` and `https` URLs with a host are articles; anything else (an empty link,
   a path without a host, `file:`) is reported, never guessed.
2. The host is lower-cased, a default port (`:80`, `:443`) dropped, the fragment dropped.
3. The scheme becomes the one of the site's allowed origin for that host (a site that
   moved to HTTPS keeps its old `http://` threads), and `https` for any other host.
4. Tracking parameters are removed from the query: `utm_*`, `fbclid`, `gclid`, `dclid`,
   `msclkid`, `mc_cid`, `mc_eid`, `igshid`, `_ga`, `yclid`, `ref_src`; the other
   parameters are kept, in their order (`?page=2` may be a different page).
5. A trailing slash does not make a different article: `/story/` and `/story` are one.
   The address stored is the first one seen (slash or not, as the site writes it, so
   the embed on the publisher's page finds it), and an existing article is matched under
   either form, and under either scheme.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "yclid",
    "ref_src",
})
MAX_URL_LENGTH = 500


def _is_tracking(name: str) -> bool:
    return name.lower().startswith("utm_") or name.lower() in TRACKING_PARAMETERS


def canonical_url(url: str | None, *, origins: list[str]) -> str | None:
    """The normalised address of `url` (see the module), or None when it is no article's."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if any(ch.isspace() for ch in host):
        return None
    default = {"http": 80, "https": 443}
    given = parts.scheme.lower()
    effective_port = port if port is not None else default[given]
    scheme = "https"
    for origin in origins:
        o = urlsplit(origin)
        o_scheme = o.scheme.lower()
        if (o.hostname or "").lower() == host and (o.port or default.get(o_scheme)) in (
            effective_port, default.get(o_scheme) if port is None else None
        ):
            scheme = o_scheme
            break
    shown_host = f"[{host}]" if ":" in host else host  # an IPv6 literal
    netloc = shown_host if port is None or port in (default[given], default[scheme]) else (
        f"{shown_host}:{port}")
    query = parts.query
    if query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                if not _is_tracking(k)]
        query = urlencode(kept) if len(kept) != len(parse_qsl(query, keep_blank_values=True)) \
            else query
    path = parts.path or "/"
    result = urlunsplit((scheme, netloc, path, query, ""))
    return result if len(result) <= MAX_URL_LENGTH else None


def url_key(canonical: str) -> str:
    """What two canonical URLs share when they are the same article: no scheme, and no
    trailing slash."""
    rest = canonical.split("://", 1)[1]
    path, sep, query = rest.partition("?")
    return path.rstrip("/") + sep + query


def variants(canonical: str) -> list[str]:
    """The addresses an existing article may be stored under and still be this one."""
    rest = canonical.split("://", 1)[1]
    path, sep, query = rest.partition("?")
    bare = path.rstrip("/")
    paths = {bare + sep + query, bare + "/" + sep + query}
    return [f"{scheme}://{p}" for scheme in ("https", "http") for p in sorted(paths)]
