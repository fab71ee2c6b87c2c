import threading

from django.conf import settings
from django.core.signals import request_finished, request_started

from belowtheline import rows
from belowtheline.errors import BtlError
from belowtheline.sites.models import Site


class SiteNotFound(BtlError):
    status = 404


# The site rows read during the request this thread is serving. A request with a token
# needs its site twice (the token's audience, then the address), and every per-site cache
# is keyed by the row as read at the start of the request, so once is exactly enough.
# Outside a request (tasks, shells, tests calling services) nothing is remembered.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.sites = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.sites = None


request_started.connect(_request_started, dispatch_uid="btl-sites-request-started")
request_finished.connect(_request_finished, dispatch_uid="btl-sites-request-finished")


def site_by_slug(slug: str) -> Site:
    """The site, read once per request."""
    seen: dict[str, Site] | None = getattr(_this_request, "sites", None)
    if seen is not None and slug in seen:
        return seen[slug]
    site = rows.one(Site, "slug = %s", [slug])
    if site is None:
        raise SiteNotFound("site_not_found", f"There is no site {slug!r}.")
    if seen is not None:
        seen[slug] = site
    return site


def remember_site(site: Site) -> None:
    """Say that this request has read the site's row (a query that read it with other rows,
    the per-reader request's): `site_by_slug` answers with it for the rest of the request."""
    seen: dict[str, Site] | None = getattr(_this_request, "sites", None)
    if seen is not None:
        seen[site.slug] = site


def front_site() -> Site | None:
    """The publication shown on "/": the configured one, else the first there is."""
    return (
        Site.objects.filter(slug=settings.BTL_FRONT_SITE).first()
        or Site.objects.order_by("pk").first()
    )
