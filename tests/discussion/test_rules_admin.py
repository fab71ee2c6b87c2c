"""Admins write a rules draft in Django admin, publish it with the action, and from then
on it is frozen: the only way to change the rules is a new version."""

import pytest
from django.urls import reverse

from belowtheline.discussion import selectors
from belowtheline.discussion.models import Rule, RulesVersion
from tests.accounts.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="editor-in-chief", is_staff=True, is_superuser=True))
    return client


def _draft_form(site, number):
    prefix = "rules"
    return {
        "site": site.pk,
        "number": number,
        "preamble": "Version two: shorter and clearer.",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-number": "1",
        f"{prefix}-0-title": "Be kind",
        f"{prefix}-0-text": "Argue with the point, not the person.",
        f"{prefix}-1-number": "2",
        f"{prefix}-1-title": "Keep it legal",
        f"{prefix}-1-text": "No defamation, no contempt of court.",
    }


def test_admin_writes_a_draft_publishes_it_and_it_is_frozen(admin_client, site, rules):
    response = admin_client.post(
        reverse("admin:discussion_rulesversion_add"), _draft_form(site, 2)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = RulesVersion.objects.get(site=site, number=2)
    assert not draft.is_published
    assert list(Rule.objects.filter(rules_version=draft).values_list("site", "title")) == [
        (site.pk, "Be kind"), (site.pk, "Keep it legal"),
    ]
    assert selectors.current_rules(site=site) == rules  # a draft is not the rules yet

    admin_client.post(
        reverse("admin:discussion_rulesversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published
    assert selectors.current_rules(site=site) == draft

    change_url = reverse("admin:discussion_rulesversion_change", args=[draft.pk])
    admin_client.post(change_url, {**_draft_form(site, 2), "preamble": "Sneaky rewrite"})
    draft.refresh_from_db()
    assert draft.preamble == "Version two: shorter and clearer."
    page = admin_client.get(change_url).content.decode()
    assert 'name="preamble"' not in page  # shown read-only
    delete = admin_client.post(
        reverse("admin:discussion_rulesversion_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert RulesVersion.objects.filter(pk=draft.pk).exists()


def test_public_rules_page_shows_the_new_version_and_lists_the_old(admin_client, client, site,
                                                                   rules):
    admin_client.post(reverse("admin:discussion_rulesversion_add"), _draft_form(site, 2))
    draft = RulesVersion.objects.get(site=site, number=2)
    admin_client.post(
        reverse("admin:discussion_rulesversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    admin_client.logout()
    page = client.get(reverse("rules", args=[site.slug])).content.decode()
    assert "Keep it legal" in page
    assert 'id="rule-2"' in page
    assert reverse("rules_version", args=[site.slug, 1]) in page


def test_a_rule_that_shows_nothing_is_refused_like_a_comment(admin_client, site, rules):
    form = {**_draft_form(site, 2), "rules-1-text": "\u200b\u202e\u200b"}
    response = admin_client.post(reverse("admin:discussion_rulesversion_add"), form)
    assert response.status_code == 200
    assert "no visible characters" in response.content.decode()
    assert not RulesVersion.objects.filter(site=site, number=2).exists()
