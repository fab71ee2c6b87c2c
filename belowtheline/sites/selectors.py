from django.conf import settings

from belowtheline.errors import BtlError
from belowtheline.sites.models import Site


class SiteNotFound(BtlError):
    status = 404


def site_by_slug(slug: str) -> Site:
    try:
        return Site.objects.get(slug=slug)
    except Site.DoesNotExist:
        raise SiteNotFound("site_not_found", f"There is no site {slug!r}.") from None


def front_site() -> Site | None:
    """The publication shown on "/": the configured one, else the first there is."""
    return (
        Site.objects.filter(slug=settings.BTL_FRONT_SITE).first()
        or Site.objects.order_by("pk").first()
    )
