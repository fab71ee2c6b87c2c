"""The rules, their acceptance, and the viewer's standing."""

from datetime import UTC, datetime

from belowtheline.discussion import services
from belowtheline.discussion.models import RulesAcceptance
from tests.api.conftest import api_path, send
from tests.conftest import make_subscriber
from tests.discussion.factories import RulesVersionFactory
from tests.sites.factories import SiteFactory


def test_current_rules_are_public_with_links_to_each_rule(db, anonymous):
    site = SiteFactory(slug="herald", time_zone="Europe/London")
    RulesVersionFactory(site=site, number=1)
    # Late on 30 June in UTC is already 1 July in London (BST): the page shows London's date.
    current = RulesVersionFactory(
        site=site, number=2, published_at=datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
        rules=["Be civil", "No spam"],
    )

    response = anonymous.get(api_path(site, "rules"))

    assert response.status_code == 200
    assert response.json() == {
        "id": current.pk,
        "version": 2,
        "preamble": current.preamble,
        "published_at": "2025-06-30T23:30:00Z",
        "last_updated": "2025-07-01",
        "url": "/sites/herald/rules/",
        "rules": [
            {"number": 1, "title": "Be civil", "text": "The text of the rule called Be civil.",
             "anchor": "rule-1", "url": "/sites/herald/rules/#rule-1"},
            {"number": 2, "title": "No spam", "text": "The text of the rule called No spam.",
             "anchor": "rule-2", "url": "/sites/herald/rules/#rule-2"},
        ],
    }


def test_a_draft_is_not_the_current_rules(anonymous, site, rules):
    RulesVersionFactory(site=site, number=2, published_at=None)

    assert anonymous.get(api_path(site, "rules")).json()["version"] == 1


def test_rules_not_yet_published_are_not_found(anonymous, site):
    response = anonymous.get(api_path(site, "rules"))

    assert response.status_code == 404
    assert response.json()["code"] == "rules_not_published"


def test_subscriber_accepts_the_current_rules(client_for, site, rules):
    newcomer = make_subscriber(site, accept_rules=False)

    response = send(client_for(newcomer), "post", api_path(site, "rules/acceptance"),
                    {"rules_version_id": rules.pk})

    assert response.status_code == 201
    acceptance = RulesAcceptance.objects.get(site=site, user=newcomer)
    assert response.json()["rules_version_id"] == rules.pk == acceptance.rules_version_id
    assert response.json()["accepted_at"]


def test_accepting_without_naming_a_version_accepts_the_current_one(client_for, site, rules):
    newcomer = make_subscriber(site, accept_rules=False)

    response = send(client_for(newcomer), "post", api_path(site, "rules/acceptance"), {})

    assert response.status_code == 201
    assert response.json()["rules_version_id"] == rules.pk


def test_accepting_rules_that_have_since_changed_is_refused(client_for, site, rules):
    newcomer = make_subscriber(site, accept_rules=False)
    RulesVersionFactory(site=site, number=2)

    response = send(client_for(newcomer), "post", api_path(site, "rules/acceptance"),
                    {"rules_version_id": rules.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "rules_version_stale"
    assert response.json()["field"] == "rules_version_id"
    assert not RulesAcceptance.objects.filter(site=site, user=newcomer).exists()


def test_anonymous_reader_cannot_accept_rules(anonymous, site, rules):
    response = send(anonymous, "post", api_path(site, "rules/acceptance"), {})

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"


def test_a_stranger_may_read_but_not_comment(anonymous, site, rules):
    response = anonymous.get(api_path(site, "me"))

    assert response.status_code == 200
    assert response.json() == {
        "signed_in": False, "subscriber": False, "can_comment": False,
        "must_accept_rules": False, "rules_version_id": rules.pk, "refusal": None,
    }


def test_a_reader_who_does_not_subscribe_is_signed_in_but_cannot_comment(as_reader, site,
                                                                         rules):
    assert as_reader.get(api_path(site, "me")).json() == {
        "signed_in": True, "subscriber": False, "can_comment": False,
        "must_accept_rules": False, "rules_version_id": rules.pk, "refusal": None,
    }


def test_a_subscriber_is_asked_again_when_the_rules_change(as_subscriber, site, subscriber,
                                                           rules):
    assert as_subscriber.get(api_path(site, "me")).json()["can_comment"] is True

    newer = RulesVersionFactory(site=site, number=2)
    standing = as_subscriber.get(api_path(site, "me")).json()
    assert standing == {
        "signed_in": True, "subscriber": True, "can_comment": False,
        "must_accept_rules": True, "rules_version_id": newer.pk, "refusal": None,
    }

    services.accept_rules(site=site, user=subscriber)
    assert as_subscriber.get(api_path(site, "me")).json()["can_comment"] is True
