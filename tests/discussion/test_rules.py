import pytest
from django.db import IntegrityError

from belowtheline.discussion import selectors, services
from belowtheline.discussion.errors import Conflict, Forbidden
from belowtheline.discussion.models import Rule, RulesAcceptance, RulesVersion
from tests.accounts.factories import UserFactory
from tests.conftest import make_subscriber
from tests.discussion.factories import RulesVersionFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_acceptance_is_recorded_with_version_and_time(site, rules):
    user = make_subscriber(site, accept_rules=False)
    acceptance = services.accept_rules(site=site, user=user, rules_version_id=rules.pk)
    assert acceptance.rules_version == rules
    assert acceptance.accepted_at is not None
    services.accept_rules(site=site, user=user)
    assert RulesAcceptance.objects.filter(user=user).count() == 1


def test_accepting_a_version_that_was_superseded_is_refused(site, rules):
    user = make_subscriber(site, accept_rules=False)
    RulesVersionFactory(site=site, number=2)
    with pytest.raises(Conflict) as exc:
        services.accept_rules(site=site, user=user, rules_version_id=rules.pk)
    assert exc.value.code == "rules_version_stale"
    assert not RulesAcceptance.objects.filter(user=user).exists()


def test_publishing_a_draft_makes_it_current_and_asks_again(site, rules, subscriber, admin_user):
    draft = RulesVersionFactory(site=site, number=2, published_at=None)
    assert selectors.current_rules(site=site) == rules
    draft = services.publish_rules_version(site=site, rules_version_id=draft.pk,
                                           actor=admin_user)
    assert selectors.current_rules(site=site) == draft
    standing = selectors.viewer_standing(site=site, user=subscriber, now=draft.published_at)
    assert standing.must_accept_rules
    assert not standing.can_comment


def test_only_site_admins_publish_rules(site, rules, subscriber):
    draft = RulesVersionFactory(site=site, number=2, published_at=None)
    with pytest.raises(Forbidden):
        services.publish_rules_version(site=site, rules_version_id=draft.pk, actor=subscriber)
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_published_version_cannot_be_published_again(site, rules, admin_user):
    with pytest.raises(Conflict):
        services.publish_rules_version(site=site, rules_version_id=rules.pk, actor=admin_user)


def test_rule_numbers_are_unique_within_a_version(site, rules):
    with pytest.raises(IntegrityError):
        Rule.objects.create(site=site, rules_version=rules, number=1, title="Dup", text="x")


def test_rules_history_lists_published_versions_newest_first(site, rules):
    RulesVersionFactory(site=site, number=2)
    RulesVersionFactory(site=site, number=3, published_at=None)
    assert [v.number for v in selectors.rules_history(site=site)] == [2, 1]
    assert RulesVersion.objects.count() == 3
