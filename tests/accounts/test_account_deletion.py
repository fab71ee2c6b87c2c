""""Delete my account" (UK GDPR art. 17) in both of a site's policies: comments kept as
"Former subscriber" (the default) or removed with a tombstone; the audit trail keeps the
moderation record under a stable pseudonym; sessions, tokens and notifications stop at
once; a later token for the same `sub` starts a new, unlinked commenter; cached threads
stop showing the old name; an admin can do it on request, on the record."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from belowtheline import clock
from belowtheline.accounts import data_rights
from belowtheline.accounts.models import (
    DataRightsRecord,
    DataRightsRecordIsAppendOnly,
    ExternalIdentity,
    Notification,
    Subscription,
    User,
)
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, CommentEdit, Recommendation
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from tests.accounts.factories import PASSWORD
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff, make_subscriber
from tests.sites.factories import SiteFactory


@pytest.fixture
def thread(site, rules, article, subscriber, other_subscriber, moderator):
    """Sam's comment with Olive's reply under it, Sam's edited comment, one removed by a
    moderator (the audit trail names Sam as its subject), and Sam's recommendation."""
    now = clock.now()
    first = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="Sam's first point.", now=now)
    reply = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                    text="Olive answers Sam.", parent=first)
    edited = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="Sam's second.", now=now)
    discussion.edit_own_comment(site=site, comment_id=edited.pk, author=subscriber,
                                text="Sam's second, corrected.", now=now)
    removed = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="Sam's rude one.", now=now)
    moderation.remove_comment(site=site, actor=moderator, comment_id=removed.pk, rule=1,
                              reason="Abuse")
    discussion.recommend_comment(site=site, comment_id=reply.pk, user=subscriber)
    return {"first": first, "reply": reply, "edited": edited, "removed": removed}


def _delete(client: Client, site, **form) -> object:
    return client.post(f"/sites/{site.slug}/account/delete/",
                       {"confirm": "DELETE", "password": PASSWORD, **form})


def test_by_default_comments_stay_as_former_subscriber_and_the_account_is_pseudonymised(
        client, site, subscriber, moderator, thread, article):
    client.force_login(subscriber)
    before = client.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert "Sam Subscriber" in before
    response = _delete(client, site)
    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()

    sam = User.objects.get(pk=subscriber.pk)
    assert sam.username.startswith("former-")
    assert sam.username == data_rights.pseudonym(sam)
    assert (sam.display_name, sam.email, sam.is_active) == ("Former subscriber", "", False)
    assert not sam.has_usable_password()
    assert sam.erased_at is not None
    # Comments kept, text and all; the thread shows the new name at once (its cached
    # rendering was for the old version).
    assert Comment.objects.get(pk=thread["first"].pk).text == "Sam's first point."
    assert Comment.objects.get(pk=thread["first"].pk).status == "published"
    page = Client().get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert "Sam Subscriber" not in page
    assert "Former subscriber" in page
    assert "Olive answers Sam." in page
    # The moderation record keeps the decision, naming the pseudonym.
    entry = AuditEntry.objects.get(comment=thread["removed"])
    assert entry.subject.username == sam.username
    assert entry.actor_name == moderator.username
    assert entry.text_before == "Sam's rude one."
    # What identified them otherwise is gone.
    assert not Notification.objects.filter(user=sam).exists()
    assert not Subscription.objects.filter(user=sam).exists()
    assert not Recommendation.objects.filter(user=sam).exists()
    assert Comment.objects.get(pk=thread["reply"].pk).recommendation_count == 0
    record = DataRightsRecord.objects.get(person=sam, kind="erasure")
    assert (record.actor, record.actor_name) == (None, "the reader")


def test_the_pseudonym_is_stable_and_keeps_no_trace_of_the_name(site, subscriber, thread):
    name = data_rights.pseudonym(subscriber)
    assert name == data_rights.pseudonym(User.objects.get(pk=subscriber.pk))
    assert "sam" not in name.removeprefix("former-").lower()
    data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                  password=PASSWORD)
    assert User.objects.get(pk=subscriber.pk).username == name


def test_with_the_tombstone_policy_comments_are_removed_and_their_text_purged(
        client, site, subscriber, thread, article):
    site.erasure_policy = "tombstone"
    site.save()
    count_before = article.__class__.objects.get(pk=article.pk).comment_count
    client.force_login(subscriber)
    assert _delete(client, site).status_code == 200
    first = Comment.objects.get(pk=thread["first"].pk)
    assert (first.status, first.text) == ("deleted", "")
    assert not CommentEdit.objects.filter(comment=thread["edited"]).exists()
    assert Comment.objects.get(pk=thread["removed"].pk).text == ""
    reply = Comment.objects.get(pk=thread["reply"].pk)
    assert (reply.status, reply.text) == ("published", "Olive answers Sam.")
    # Two of Sam's published comments left the count; Olive's reply still counts.
    assert article.__class__.objects.get(pk=article.pk).comment_count == count_before - 2
    page = Client().get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert "Sam&#x27;s first point." not in page
    assert "Sam's first point." not in page
    assert "Deleted by its author" in page
    assert "Olive answers Sam." in page
    # The audit trail still has the moderators' record of the removal.
    assert AuditEntry.objects.get(comment=thread["removed"]).text_before == "Sam's rude one."


def test_a_comment_under_an_open_legal_report_keeps_its_text(site, subscriber,
                                                             other_subscriber, thread):
    site.erasure_policy = "tombstone"
    site.save()
    discussion.report_comment(site=site, comment_id=thread["first"].pk,
                              reporter=other_subscriber, reason="legal_risk")
    outcome = data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                            password=PASSWORD)
    assert outcome.texts_kept_for_legal_reports == 1
    first = Comment.objects.get(pk=thread["first"].pk)
    assert (first.status, first.text) == ("deleted", "Sam's first point.")


def test_the_session_stops_at_once_everywhere(site, subscriber, thread):
    elsewhere = Client()
    elsewhere.force_login(subscriber)
    assert elsewhere.get(f"/sites/{site.slug}/account/").status_code == 200
    here = Client()
    here.force_login(subscriber)
    _delete(here, site)
    for client in (here, elsewhere):
        response = client.get(f"/sites/{site.slug}/account/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert Client().post("/accounts/login/", {"username": "sam", "password": PASSWORD}
                         ).status_code == 200  # the form again: no such account


def test_deleting_needs_the_word_and_the_password(client, site, subscriber, thread):
    client.force_login(subscriber)
    response = _delete(client, site, confirm="yes")
    assert response.status_code == 400
    assert "Type DELETE" in response.content.decode()
    response = _delete(client, site, password="wrong")
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert User.objects.get(pk=subscriber.pk).erased_at is None


def test_deleting_is_a_post_with_the_csrf_token_after_a_confirmation_page(site, subscriber):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    page = client.get(f"/sites/{site.slug}/account/delete/")
    assert page.status_code == 200
    assert "This cannot be undone" in page.content.decode()
    assert "Former subscriber" in page.content.decode()  # the default policy, explained
    assert _delete(client, site).status_code == 403
    assert User.objects.get(pk=subscriber.pk).erased_at is None


def test_staff_accounts_are_not_deleted_this_way(site, moderator):
    with pytest.raises(data_rights.ErasureRefused) as refused:
        data_rights.delete_my_account(site=site, user=moderator, confirm="DELETE",
                                      password=PASSWORD)
    assert refused.value.code == "staff_account"


def test_the_record_of_a_deletion_cannot_be_changed(site, subscriber, thread):
    data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                  password=PASSWORD)
    record = DataRightsRecord.objects.get(kind="erasure")
    with pytest.raises(DataRightsRecordIsAppendOnly):
        record.save()
    with pytest.raises(DataRightsRecordIsAppendOnly):
        DataRightsRecord.objects.all().delete()


# --- subscriber tokens ------------------------------------------------------------------

@pytest.fixture
def sso_site(site, rules):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    return site


def _api(bearer: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {bearer}")


def test_a_token_reader_deletes_through_the_api_and_a_later_token_starts_afresh(
        sso_site, article):
    site = sso_site
    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        old_token = token(site, sub="p-9", name="Token Tess")
        _api(old_token).get(f"/api/v1/sites/{site.slug}/me")
        tess = User.objects.get(external_identity__subject="p-9")
        discussion.accept_rules(site=site, user=tess)
        comment = discussion.post_comment(site=site, article=article, author=tess,
                                          text="Tess was here.")
        Notification.objects.create(site=site, user=tess, message="Hi", created_at=clock.now())
        response = _api(old_token).post(f"/api/v1/sites/{site.slug}/me/account-deletion",
                                        {"confirm": "DELETE"}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["comments_kept"] == 1
        assert not ExternalIdentity.objects.filter(subject="p-9").exists()
        assert not Notification.objects.filter(user_id=tess.pk).exists()
        # The token she had is refused at once, not turned into a new commenter.
        refused = _api(old_token).get(f"/api/v1/sites/{site.slug}/me")
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_revoked"
    with time_machine.travel("2026-03-02 10:05Z", tick=False):
        fresh = _api(token(site, sub="p-9", name="Tess Again"))
        assert fresh.get(f"/api/v1/sites/{site.slug}/me").json()["signed_in"] is True
        again = User.objects.get(external_identity__subject="p-9")
    assert again.pk != tess.pk
    assert again.display_name == "Tess Again"
    kept = Comment.objects.get(pk=comment.pk)
    assert kept.author_id == tess.pk
    assert kept.author.public_name == "Former subscriber"


def test_the_api_deletion_needs_the_confirmation(sso_site):
    bearer = token(sso_site, sub="p-10")
    _api(bearer).get(f"/api/v1/sites/{sso_site.slug}/me")
    response = _api(bearer).post(f"/api/v1/sites/{sso_site.slug}/me/account-deletion",
                                 {"confirm": "no"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "confirmation_required"
    assert ExternalIdentity.objects.filter(subject="p-10").exists()


# --- an admin, on request -------------------------------------------------------------------

def test_an_admin_deletes_a_readers_account_on_request_on_the_record(
        client, site, subscriber, site_admin, thread):
    client.force_login(site_admin)
    response = client.post(f"/sites/{site.slug}/readers/{subscriber.pk}/data/delete/",
                           {"confirm": "DELETE", "note": "Letter of 1 March"})
    assert response.status_code == 200
    assert "The account is deleted" in response.content.decode()
    sam = User.objects.get(pk=subscriber.pk)
    assert sam.erased_at is not None
    record = DataRightsRecord.objects.get(person=sam, kind="erasure")
    assert (record.actor, record.actor_name, record.on_request, record.note) == (
        site_admin, site_admin.username, True, "Letter of 1 March")
    again = client.post(f"/api/v1/sites/{site.slug}/readers/{subscriber.pk}/account-deletion",
                        {"confirm": "DELETE"}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_erased"


def test_an_admin_cannot_delete_an_account_used_on_another_publication(
        client, site, subscriber, site_admin, thread):
    elsewhere = SiteFactory(slug="echo")
    Subscription.objects.create(site=elsewhere, user=subscriber)
    client.force_login(site_admin)
    response = client.post(f"/api/v1/sites/{site.slug}/readers/{subscriber.pk}/account-deletion",
                           {"confirm": "DELETE"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "reader_on_other_sites"


def test_moderators_and_other_sites_admins_cannot_delete_a_reader(client, site, subscriber,
                                                                  moderator, thread):
    other_admin = make_staff(SiteFactory(slug="far"), "admin", "far_admin")
    for person in (moderator, other_admin):
        client.force_login(person)
        response = client.post(
            f"/api/v1/sites/{site.slug}/readers/{subscriber.pk}/account-deletion",
            {"confirm": "DELETE"}, content_type="application/json")
        assert response.status_code == 403
        assert response.json()["code"] == "not_site_admin"
    assert User.objects.get(pk=subscriber.pk).erased_at is None


def test_a_standalone_reader_deletes_everywhere_by_each_sites_policy(site, subscriber,
                                                                     article, thread):
    from tests.discussion.factories import ArticleFactory, RulesVersionFactory

    echo = SiteFactory(slug="echo", erasure_policy="tombstone")
    RulesVersionFactory(site=echo, number=1)
    Subscription.objects.create(site=echo, user=subscriber)
    discussion.accept_rules(site=echo, user=subscriber)
    there = discussion.post_comment(site=echo, article=ArticleFactory(site=echo),
                                    author=subscriber, text="On the Echo.")
    outcome = data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                            password=PASSWORD)
    assert sorted(outcome.sites) == ["echo", "gazette"]
    assert Comment.objects.get(pk=there.pk).status == "deleted"
    assert Comment.objects.get(pk=thread["first"].pk).status == "published"
    assert DataRightsRecord.objects.filter(kind="erasure").count() == 2


def test_the_deleted_reader_is_shown_under_the_pseudonym_to_moderators(
        client, site, subscriber, moderator, thread):
    data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                  password=PASSWORD)
    client.force_login(moderator)
    page = client.get(f"/moderate/{site.slug}/users/{subscriber.pk}/").content.decode()
    assert data_rights.pseudonym(subscriber) in page
    assert "Sam Subscriber" not in page
    assert ">sam<" not in page


def test_a_fresh_subscriber_is_not_affected(site, subscriber, other_subscriber, thread,
                                            article):
    data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                  password=PASSWORD)
    later = clock.now() + timedelta(minutes=1)
    comment = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                      text="Still here.", now=later)
    assert comment.status == "published"
    assert make_subscriber(site, username="sam").username == "sam"  # the name is free again


def test_reporters_notifications_lose_the_name(site, subscriber, other_subscriber,
                                               moderator, article, thread):
    discussion.report_comment(site=site, comment_id=thread["first"].pk,
                              reporter=other_subscriber, reason="abusive")
    moderation.dismiss_reports(site=site, actor=moderator, comment_id=thread["first"].pk)
    data_rights.delete_my_account(site=site, user=subscriber, confirm="DELETE",
                                  password=PASSWORD)
    [told] = Notification.objects.filter(user=other_subscriber)
    assert "Sam Subscriber" not in told.message
    assert "a comment by Former subscriber." in told.message
