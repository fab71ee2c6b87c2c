"""The site's rules: public to read; accepting them is what lets a subscriber comment."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Body, Router
from ninja.responses import Status

from belowtheline import clock
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import SiteSlug
from belowtheline.api.presenters import rules_out
from belowtheline.api.schemas import RulesAcceptanceIn, RulesAcceptanceOut, RulesOut
from belowtheline.discussion import selectors, services
from belowtheline.discussion.errors import NotFound
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["rules"])


@router.get(
    "rules",
    summary="The current rules",
    **documented({200: RulesOut}, {404: ["rules_not_published"]}),
)
def current_rules(request: HttpRequest, site: SiteSlug) -> RulesOut:
    """The version in force, with its numbered rules and links to each on the public page."""
    publication = site_by_slug(site)
    rules = selectors.current_rules(site=publication)
    if rules is None:
        raise NotFound("rules_not_published", "This site has not published its rules yet.")
    return rules_out(rules, site=publication)


@router.post(
    "rules/acceptance",
    summary="Accept the current rules",
    **documented(
        {201: RulesAcceptanceOut},
        {409: ["rules_not_published", "rules_version_stale"]},
        body=True,
        write=True,
    ),
)
def accept_rules(
    request: HttpRequest,
    site: SiteSlug,
    payload: Annotated[RulesAcceptanceIn | None, Body()] = None,
) -> Status[RulesAcceptanceOut]:
    """Send the id of the version the reader was shown: if the rules changed meanwhile, the
    answer is `rules_version_stale` rather than an acceptance of rules they never read."""
    user = acting_user(request, writing=True)
    publication = site_by_slug(site)
    acceptance = services.accept_rules(
        site=publication,
        user=user,
        rules_version_id=payload.rules_version_id if payload else None,
        now=clock.now(),
    )
    return Status(
        201,
        RulesAcceptanceOut(
            rules_version_id=acceptance.rules_version_id, accepted_at=acceptance.accepted_at
        ),
    )
