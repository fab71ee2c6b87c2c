"""Readers' data rights (UK GDPR arts. 15, 17 and 20): a reader downloads everything held
about them and deletes their account; a site admin does either for a reader on request.
The same services as the profile pages (`accounts.data_rights`)."""

from typing import Annotated

from django.contrib.auth import logout
from django.http import HttpRequest
from ninja import Body, Path, Router, Schema
from pydantic import Field

from belowtheline.accounts import data_rights
from belowtheline.api.auth import acting_user
from belowtheline.api.errors import documented
from belowtheline.api.params import SiteSlug
from belowtheline.api.schemas import MAX_ID
from belowtheline.sites.selectors import site_by_slug

router = Router(tags=["readers' data"])

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- shapes (the download's: `data_rights.data_held_about`) ---------------------------------

class SiteRefOut(Schema):
    slug: str
    name: str


class PublisherIdentityOut(Schema):
    sub: str = Field(description="The publisher's id for the reader (the token's `sub`).")
    first_seen_at: str
    last_seen_at: str


class SubscriptionRecordOut(Schema):
    status: str
    expires_at: str | None
    since: str


class ProfileOut(Schema):
    id: int
    username: str
    display_name: str
    shown_as: str
    email: str
    email_verified: bool
    joined_at: str
    last_sign_in_at: str | None
    account: str = Field(description="`standalone` or `subscriber_token`.")
    publisher_identity: PublisherIdentityOut | None
    subscription: SubscriptionRecordOut | None
    staff_role: str | None
    erased_at: str | None


class DataArticleOut(Schema):
    id: int
    title: str
    url: str


class DataRuleOut(Schema):
    number: int
    title: str


class EditOut(Schema):
    text_before: str
    edited_at: str


class ModerationEventOut(Schema):
    action: str
    what: str
    at: str
    rule: DataRuleOut | None
    reason: str
    text_before: str
    text_after: str


class OwnCommentOut(Schema):
    id: int
    article: DataArticleOut
    thread_url: str
    in_reply_to: int | None
    text: str = Field(description="Empty once purged (deleted or removed, past retention).")
    status: str
    status_label: str
    created_at: str
    edited_at: str | None
    status_changed_at: str | None
    amended_by_moderator_at: str | None
    rule_cited: DataRuleOut | None
    recommendations: int
    edits: list[EditOut]
    moderation: list[ModerationEventOut] = Field(
        description="Every moderation event on the comment, oldest first; moderators are "
        "never named.")


class OwnReportOut(Schema):
    id: int
    comment_id: int
    thread_url: str
    reason: str
    note: str
    outcome: str = Field(description="`open`, `upheld` or `dismissed`.")
    outcome_label: str
    filed_at: str
    decided_at: str | None


class DisagreementOut(Schema):
    comment_id: int
    at: str


class OwnRecommendationOut(Schema):
    comment_id: int
    thread_url: str
    at: str


class OwnNotificationOut(Schema):
    message: str
    link: str
    at: str
    read_at: str | None


class AcceptanceOut(Schema):
    rules_version: int
    accepted_at: str


class SanctionRecordOut(Schema):
    kind: str
    kind_label: str
    reason: str
    started_at: str
    until: str | None
    lifted_at: str | None


class DataRequestOut(Schema):
    kind: str
    at: str
    by: str


class DataModeratorNoteOut(Schema):
    text: str
    at: str


class ReaderDataOut(Schema):
    format: str = Field(description="`belowtheline.reader-data/1`.")
    generated_at: str
    site: SiteRefOut
    profile: ProfileOut
    comments: list[OwnCommentOut]
    reports: list[OwnReportOut]
    disagreements: list[DisagreementOut]
    recommendations: list[OwnRecommendationOut]
    notifications: list[OwnNotificationOut]
    rules_acceptances: list[AcceptanceOut]
    sanctions: list[SanctionRecordOut]
    data_requests: list[DataRequestOut]
    moderator_notes: list[DataModeratorNoteOut] | None = Field(
        None, description="In a site admin's download only, for them to review before "
        "handing it over.")


class AccountDeletionIn(Schema):
    confirm: str = Field(max_length=20, description="The word `DELETE`.")
    password: str | None = Field(
        None, max_length=4096,
        description="The account's password (standalone accounts; a subscriber token's "
        "reader has none here).")


class ReaderDeletionIn(Schema):
    confirm: str = Field(max_length=20, description="The word `DELETE`.")
    note: str = Field("", max_length=1000,
                      description="How the reader asked, kept in the data-rights record.")


class AccountDeletionOut(Schema):
    pseudonym: str = Field(description="What the moderation record now calls the account.")
    sites: list[str]
    comments_kept: int = Field(description='Kept in their threads, as "Former subscriber".')
    comments_removed: int = Field(description="Turned into tombstones, their text purged.")
    texts_kept_for_legal_reports: int = Field(
        description="Texts kept until an open legal-risk report on them is decided.")


def _deletion_out(outcome: data_rights.ErasureOutcome) -> AccountDeletionOut:
    return AccountDeletionOut(
        pseudonym=outcome.pseudonym, sites=outcome.sites, comments_kept=outcome.comments_kept,
        comments_removed=outcome.comments_removed,
        texts_kept_for_legal_reports=outcome.texts_kept_for_legal_reports)


# --- the reader's own ----------------------------------------------------------------------

@router.get(
    "me/data",
    summary="Download my data",
    **documented({200: ReaderDataOut},
                 {403: ["sign_in_required", "integration_account"],
                  503: ["rate_limit_unavailable"]},
                 rate_limited=True),
)
def my_data(request: HttpRequest, site: SiteSlug) -> ReaderDataOut:
    """Everything this site holds about the signed-in reader (by session or subscriber
    token), as JSON: profile, comments with their article links and every state and edit,
    reports and their outcomes, recommendations, notifications, rules acceptances and
    sanctions. Recorded, and limited to a few downloads an hour."""
    publication = site_by_slug(site)
    data = data_rights.download_my_data(site=publication, user=acting_user(request))
    return ReaderDataOut.model_validate(data)


@router.post(
    "me/account-deletion",
    summary="Delete my account",
    **documented(
        {200: AccountDeletionOut},
        {400: ["confirmation_required", "password_incorrect"],
         403: ["staff_account", "integration_account"], 409: ["already_erased"],
         503: ["rate_limit_unavailable"]},
        body=True, write=True, rate_limited=True,
    ),
)
def delete_my_account(request: HttpRequest, site: SiteSlug,
                      payload: Annotated[AccountDeletionIn, Body()]) -> AccountDeletionOut:
    """Deletes the account now. Comments are kept as "Former subscriber" or removed with a
    tombstone, by the site's policy; sessions, tokens and notifications stop at once; the
    moderation record keeps a pseudonym. A token signed before the deletion is refused
    (`token_revoked`); one signed afterwards starts a new, unlinked commenter."""
    user = acting_user(request, writing=True)
    publication = site_by_slug(site)
    outcome = data_rights.delete_my_account(site=publication, user=user,
                                            confirm=payload.confirm, password=payload.password)
    if getattr(request, "session", None) is not None and request.session.session_key:
        logout(request)
    return _deletion_out(outcome)


# --- a site admin, on a reader's request ----------------------------------------------------

ADMIN_ONLY = {403: ["sign_in_required", "not_site_admin"], 404: ["reader_not_found"]}


@router.get(
    "readers/{int:user_id}/data",
    summary="Download a reader's data (site admins)",
    **documented({200: ReaderDataOut}, ADMIN_ONLY, params=True, staff=True),
)
def reader_data(request: HttpRequest, site: SiteSlug, user_id: UserId) -> ReaderDataOut:
    """For a site admin answering a reader's request made another way (email, letter).
    Includes the moderators' notes, for review before handing it over. Recorded with the
    admin's name."""
    publication = site_by_slug(site)
    data = data_rights.download_reader_data(site=publication, actor=acting_user(request),
                                            user_id=user_id)
    return ReaderDataOut.model_validate(data)


@router.post(
    "readers/{int:user_id}/account-deletion",
    summary="Delete a reader's account (site admins)",
    **documented(
        {200: AccountDeletionOut},
        {**ADMIN_ONLY, 400: ["confirmation_required"],
         403: ["sign_in_required", "not_site_admin", "staff_account", "integration_account",
               "reader_on_other_sites"],
         409: ["already_erased"]},
        params=True, body=True, write=True,
    ),
)
def delete_reader_account(request: HttpRequest, site: SiteSlug, user_id: UserId,
                          payload: Annotated[ReaderDeletionIn, Body()]) -> AccountDeletionOut:
    """As "Delete my account", done by a site admin at the reader's request and recorded
    with the admin's name and the note. Refused for an account also used on another
    publication of this install (`reader_on_other_sites`)."""
    publication = site_by_slug(site)
    outcome = data_rights.delete_reader_account(
        site=publication, actor=acting_user(request, writing=True), user_id=user_id,
        confirm=payload.confirm, note=payload.note)
    return _deletion_out(outcome)
