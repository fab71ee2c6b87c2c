"""The person looking: what they may do on this site."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Router

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import SiteSlug
from belowtheline.api.presenters import standing_out
from belowtheline.api.schemas import StandingOut
from belowtheline.discussion import selectors
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["viewer"])


@router.get("me", summary="Your standing on this site", **documented({200: StandingOut}))
def me(request: HttpRequest, site: SiteSlug) -> StandingOut:
    """Whether the viewer is signed in, subscribed, and must accept new rules first.

    The answer also sets the `csrftoken` cookie that signed-in writes must echo in the
    `X-CSRFToken` header.
    """
    get_token(request)
    publication = site_by_slug(site)
    standing = selectors.viewer_standing(
        site=publication, user=acting_user(request), now=clock.now()
    )
    return standing_out(standing)
