"""Rules, cover and sanctions are kept in memory per site; a change must still count at once.

Each test posts once (so the process has the site's answers in memory), changes one thing
as staff would, and posts again: the very next request must obey the change.
"""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import Sanction
from belowtheline.sites.models import CoverException, CoverKind, CoverPeriod, Site
from tests.api.conftest import api_path, send
from tests.discussion.factories import RulesVersionFactory


@pytest.fixture
def poster(subscriber) -> Client:
    client = Client()
    client.force_login(subscriber)
    return client


def post(client: Client, site: Site, article, text: str = "A fair point."):
    return send(client, "post", api_path(site, f"articles/{article.pk}/comments"), {"text": text})


def version(site: Site) -> int:
    return Site.objects.values_list("config_version", flat=True).get(pk=site.pk)


def test_a_ban_counts_on_the_next_post_and_so_does_lifting_it(
    site, article, subscriber, moderator, poster
):
    assert post(poster, site, article).status_code == 201
    sanction = moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                                          kind="ban", reason="Repeated abuse")
    refused = post(poster, site, article)
    assert (refused.status_code, refused.json()["code"]) == (403, "author_banned")
    moderation.lift_sanction(site=site, actor=moderator, sanction_id=sanction.pk)
    assert post(poster, site, article).status_code == 201


def test_a_suspension_counts_on_the_next_post(site, article, subscriber, moderator, poster):
    assert post(poster, site, article).status_code == 201
    moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                               kind="suspension", days=3, reason="Cool off")
    refused = post(poster, site, article)
    assert (refused.status_code, refused.json()["code"]) == (403, "author_suspended")


def test_a_suspension_ends_by_itself_without_any_change(
    site, article, subscriber, moderator, poster, time_machine
):
    time_machine.move_to(clock.now(), tick=False)
    assert post(poster, site, article).status_code == 201
    moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                               kind="suspension", days=1, reason="Cool off")
    assert post(poster, site, article).status_code == 403
    time_machine.shift(timedelta(days=1, seconds=1))
    assert post(poster, site, article).status_code == 201


def test_premoderation_holds_the_next_post(site, article, subscriber, moderator, poster):
    assert post(poster, site, article).status_code == 201
    moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                               kind="premoderation", reason="New account, fiery")
    held = post(poster, site, article, text="Held, I hope not")
    assert held.status_code == 201
    assert Comment.objects.get(text="Held, I hope not").status == Comment.Status.PENDING


def test_new_rules_must_be_accepted_before_the_next_post(site, rules, article, site_admin,
                                                         poster):
    assert post(poster, site, article).status_code == 201
    draft = RulesVersionFactory(site=site, number=2, published_at=None)
    services.publish_rules_version(site=site, rules_version_id=draft.pk, actor=site_admin)
    refused = post(poster, site, article)
    assert (refused.status_code, refused.json()["code"]) == (403, "rules_not_accepted")


@pytest.fixture
def closes_without_cover(site):
    site.when_no_cover = Site.WhenNoCover.CLOSE
    site.save()
    return site


def _no_cover_now(site: Site) -> CoverPeriod:
    local = clock.now().astimezone(site.zone)
    return CoverPeriod.objects.create(site=site, weekday=local.weekday(), starts=time(0),
                                      ends=time(0), kind=CoverKind.NONE)


def test_a_schedule_change_counts_on_the_next_post(closes_without_cover, article, poster):
    site = closes_without_cover
    assert post(poster, site, article).status_code == 201
    period = _no_cover_now(site)
    refused = post(poster, site, article)
    assert (refused.status_code, refused.json()["code"]) == (403, "commenting_paused")
    period.delete()
    assert post(poster, site, article).status_code == 201


def test_a_dated_exception_counts_on_the_next_post(closes_without_cover, article, poster):
    site = closes_without_cover
    assert post(poster, site, article).status_code == 201
    today = clock.now().astimezone(site.zone).date()
    CoverException.objects.create(site=site, date=today, kind=CoverKind.NONE, note="Strike")
    assert post(poster, site, article).json()["code"] == "commenting_paused"


def test_a_site_setting_counts_on_the_next_post(site, article, poster):
    _no_cover_now(site)  # no cover now, but the site lets comments through regardless
    assert post(poster, site, article).status_code == 201
    fresh = Site.objects.get(pk=site.pk)  # as the admin form would load it
    fresh.when_no_cover = Site.WhenNoCover.CLOSE
    fresh.save()
    assert post(poster, site, article).json()["code"] == "commenting_paused"


def test_every_kind_of_change_moves_the_config_version(site, rules, article, subscriber,
                                                       moderator, site_admin):
    services.post_comment(site=site, article=article, author=subscriber, text="Known here")
    seen = [version(site)]

    def moved() -> bool:
        seen.append(version(site))
        return seen[-1] > seen[-2]

    sanction = moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                                          kind="ban", reason="Abuse")
    assert moved()
    moderation.lift_sanction(site=site, actor=moderator, sanction_id=sanction.pk)
    assert moved()
    period = CoverPeriod.objects.create(site=site, weekday=6, starts=time(1), ends=time(2),
                                        kind=CoverKind.NONE)
    assert moved()
    period.delete()
    assert moved()
    CoverException.objects.create(site=site, date=clock.now().date(), note="Holiday")
    assert moved()
    draft = RulesVersionFactory(site=site, number=2, published_at=None)
    assert moved()
    services.publish_rules_version(site=site, rules_version_id=draft.pk, actor=site_admin)
    assert moved()
    site.name = "The Renamed Gazette"
    site.save()
    assert moved()
    assert site.config_version == seen[-1]  # the saved instance knows its version


def test_a_full_save_of_an_old_instance_never_puts_an_older_version_back(site):
    stale = Site.objects.get(pk=site.pk)
    site.name = "Changed elsewhere"
    site.save()
    before = version(site)
    stale.no_cover_message = "Back soon"
    stale.save()
    assert version(site) == before + 1


def test_another_process_sees_a_change_by_the_version_alone(site, article, subscriber, poster):
    """Another web process cannot drop this one's memory: the version in the site row, read
    on every request, is what makes its change count here."""
    assert post(poster, site, article).status_code == 201
    Sanction.objects.bulk_create([  # no save(), so nothing in this process is dropped
        Sanction(site=site, user=subscriber, kind="ban", created_at=clock.now())
    ])
    Site.objects.filter(pk=site.pk).update(config_version=F("config_version") + 1)
    assert post(poster, site, article).json()["code"] == "author_banned"


def test_a_second_post_reads_no_rules_cover_or_sanctions(covered_site, article, subscriber):
    site = covered_site
    site.when_no_cover = Site.WhenNoCover.HOLD
    site.save()
    services.post_comment(site=site, article=article, author=subscriber, text="First")
    with CaptureQueriesContext(connection) as context:
        services.post_comment(site=site, article=article, author=subscriber, text="Second")
    tables = " ".join(query["sql"] for query in context.captured_queries)
    for table in ("moderation_sanction", "sites_coverperiod", "sites_coverexception",
                  "discussion_rulesversion", "discussion_rule\""):
        assert table not in tables


def test_outside_a_request_the_site_row_is_read_afresh_each_time(site):
    from belowtheline.sites.selectors import site_by_slug

    before = site_by_slug(site.slug)
    Site.objects.filter(pk=site.pk).update(config_version=F("config_version") + 1)
    assert site_by_slug(site.slug).config_version == before.config_version + 1
