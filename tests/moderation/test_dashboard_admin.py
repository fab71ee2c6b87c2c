"""Django admin shows the audit trail, sanctions and notes, and lets nobody, superusers
included, add, change or delete them there: every change goes through a service and
leaves its audit entry."""

import pytest
from django.urls import reverse

from belowtheline.moderation import services
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from tests.accounts.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def history(site, reported, moderator, subscriber):
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk, text="Hm")
    services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk, kind="ban",
                             reason="Abuse")
    services.remove_comment(site=site, actor=moderator, comment_id=reported.pk, rule=1)


@pytest.mark.parametrize("model", [AuditEntry, Sanction, ModeratorNote])
def test_admin_lists_and_shows_but_never_changes(client, superuser, history, model):
    client.force_login(superuser)
    name = model._meta.model_name
    listing = client.get(reverse(f"admin:moderation_{name}_changelist"))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    obj = model.objects.first()
    assert client.get(reverse(f"admin:moderation_{name}_add")).status_code == 403
    view = client.get(reverse(f"admin:moderation_{name}_change", args=[obj.pk]))
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert client.post(reverse(f"admin:moderation_{name}_change", args=[obj.pk]),
                       {}).status_code == 403
    assert client.post(reverse(f"admin:moderation_{name}_delete", args=[obj.pk]),
                       {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
