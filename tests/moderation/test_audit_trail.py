"""The audit trail is append-only: nobody, admins included, changes or deletes it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from belowtheline.moderation import selectors, services
from belowtheline.moderation.models import AuditEntry, AuditTrailIsAppendOnly

SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # part-time cover


@pytest.fixture
def entry(covered_site, reported, moderator):
    with time_machine.travel(SATURDAY, tick=False):
        services.remove_comment(site=covered_site, actor=moderator, comment_id=reported.pk,
                                rule=1, reason="Abuse")
    return AuditEntry.objects.get()


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.reason = "Nothing to see"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.reason == "Abuse"


def test_the_comment_it_records_cannot_be_deleted_from_under_it(entry):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        entry.comment.delete()


def test_even_a_superuser_cannot_edit_it_in_django_admin(client, entry):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    change = reverse("admin:moderation_auditentry_change", args=[entry.pk])
    response = client.post(change, {"reason": "Rewritten", "action": "dismiss"})
    assert response.status_code in (302, 403)
    delete = client.post(reverse("admin:moderation_auditentry_delete", args=[entry.pk]),
                         {"post": "yes"})
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "Abuse"


def test_trail_per_comment_and_per_user_records_who_when_what(site, entry, subscriber):
    [by_comment] = selectors.audit_for_comment(site=site, comment_id=entry.comment_id)
    [by_user] = selectors.audit_for_user(site=site, user_id=subscriber.pk)
    assert by_comment == by_user == entry
    assert (entry.actor_name, entry.created_at, entry.action, entry.rule.number) == (
        "mona_k", SATURDAY, "remove", 1
    )
    assert (entry.reason, entry.cover) == ("Abuse", "part_time")
    assert entry.text_before == "The council is corrupt, everyone knows it."
