"""A comment stays truly scored after it changes: an author's edit within the edit window
is scored again in the worker, flagged or held by the same thresholds and cover rules as a
new comment, and its near-duplicate fingerprint is replaced. A moderator's amendment is
scored too, but never flagged or held against the moderator who wrote it.

These run the real abuse head through the database queue and `btl worker --batch`, as in
production. "You are a stupid idiot and a pathetic moron." scores 1.00 on the insult
signal (flag at 0.85 by default; a site here also holds it out of hours)."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from belowtheline import clock
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, Rule
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from belowtheline.triage import services as triage
from belowtheline.triage import spam
from belowtheline.triage.models import (
    Fingerprint,
    FingerprintBand,
    TriageFlag,
    TriageSettings,
    TriageThreshold,
)
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "belowtheline.triage.tasks.score_comment"
CIVIL = "Thank you for explaining the council's budget so clearly, I learned a lot."
INSULT = "You are a stupid idiot and a pathetic moron."
WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # full-time cover (UK time)
WEDNESDAY_NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # part-time cover


@pytest.fixture(autouse=True)
def database_queue(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def frozen(monkeypatch):
    """The clock the worker's task reads (it passes no `now`), set per test."""
    def _at(when: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: when)
    return _at


def _queued() -> int:
    return DBTaskResult.objects.filter(task_path=TASK, status="READY").count()


def _post_civil_then_edit(site, article, author, at: datetime, run_worker, frozen) -> Comment:
    frozen(at)
    comment = discussion.post_comment(site=site, article=article, author=author, text=CIVIL)
    run_worker()
    assert not TriageFlag.objects.filter(comment=comment).exists()
    frozen(at + timedelta(minutes=3))
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=author, text=INSULT)
    assert _queued() == 1  # queued with the edit's commit, as a new comment is
    run_worker()
    comment.refresh_from_db()
    return comment


def test_an_edit_that_turns_a_civil_comment_abusive_is_flagged(
        covered_site, article, subscriber, run_worker, frozen):
    comment = _post_civil_then_edit(covered_site, article, subscriber, WEDNESDAY_MORNING,
                                    run_worker, frozen)

    assert triage.scores_for(comment)["insult"].score >= 0.85
    flag = TriageFlag.objects.get(comment=comment, outcome="open")
    assert "insult" in flag.scorers.split(",")
    assert not flag.held  # full-time cover: a moderator is there to decide
    assert comment.status == Comment.Status.PUBLISHED
    assert _queued() == 0


def test_out_of_full_time_cover_the_abusive_edit_is_held(
        covered_site, article, subscriber, run_worker, frozen):
    settings = TriageSettings.objects.create(site=covered_site)
    TriageThreshold.objects.create(site_settings=settings, scorer="insult",
                                   flag_full_time=0.85, flag_part_time=0.85,
                                   flag_no_cover=0.85, hold_part_time=0.9, hold_no_cover=0.9)
    covered_site.refresh_from_db()

    comment = _post_civil_then_edit(covered_site, article, subscriber, WEDNESDAY_NIGHT,
                                    run_worker, frozen)

    assert comment.status == Comment.Status.HELD
    assert TriageFlag.objects.get(comment=comment).held
    entry = AuditEntry.objects.get(comment=comment, action="hold")
    assert entry.actor_name == "triage"
    assert "insult score 1.00" in entry.reason


def test_an_edit_back_to_civil_text_takes_the_flag_away(
        covered_site, article, subscriber, run_worker, frozen):
    comment = _post_civil_then_edit(covered_site, article, subscriber, WEDNESDAY_MORNING,
                                    run_worker, frozen)
    assert TriageFlag.objects.filter(comment=comment, outcome="open").exists()
    frozen(WEDNESDAY_MORNING + timedelta(minutes=6))
    discussion.edit_own_comment(site=covered_site, comment_id=comment.pk, author=subscriber,
                                text="Sorry, that was rude. The budget was clearly explained.")
    run_worker()
    assert not TriageFlag.objects.filter(comment=comment).exists()


def test_a_flag_dismissed_before_an_abusive_edit_does_not_excuse_the_edit(
        covered_site, article, subscriber, run_worker, frozen):
    """The moderator decided on the text they saw; the edit is new text."""
    moderator = make_staff(covered_site, "moderator", "mona")
    frozen(WEDNESDAY_MORNING)
    comment = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                      text="You are a stupid idiot.")
    run_worker()
    assert TriageFlag.objects.filter(comment=comment, outcome="open").exists()
    moderation.dismiss_reports(site=covered_site, actor=moderator, comment_id=comment.pk,
                               now=WEDNESDAY_MORNING + timedelta(minutes=1))
    frozen(WEDNESDAY_MORNING + timedelta(minutes=2))
    discussion.edit_own_comment(site=covered_site, comment_id=comment.pk, author=subscriber,
                                text=INSULT)
    run_worker()
    assert TriageFlag.objects.filter(comment=comment, outcome="open").exists()


def test_an_edit_replaces_the_near_duplicate_fingerprint(
        site, article, subscriber, run_worker, frozen):
    frozen(clock.now())
    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text=CIVIL)
    run_worker()
    before = bytes(Fingerprint.objects.get(pk=comment.pk).signature)
    new_text = "The bridge is years late and the council should publish every invoice now."
    frozen(clock.now() + timedelta(minutes=2))
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                text=new_text)
    run_worker()
    fp = Fingerprint.objects.get(pk=comment.pk)
    assert bytes(fp.signature) != before
    assert bytes(fp.signature) == spam.to_bytes(spam.signature(new_text))
    assert set(FingerprintBand.objects.filter(fingerprint=fp).values_list("band", flat=True)) \
        == set(spam.band_keys(spam.signature(new_text)))
    assert FingerprintBand.objects.count() == spam.BANDS  # the old text's bands are gone

    frozen(clock.now() + timedelta(minutes=3))
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                text="Agreed.")  # too short to call anyone's copy
    run_worker()
    assert not Fingerprint.objects.filter(pk=comment.pk).exists()
    assert not FingerprintBand.objects.exists()


def test_a_moderators_amendment_is_scored_but_not_flagged_against_the_moderator(
        covered_site, article, subscriber, run_worker, frozen):
    """Choice: the amended text is the desk's own; its scores are kept (they stay true),
    but it is neither flagged nor held. Here the moderator's text quotes the insult."""
    moderator = make_staff(covered_site, "moderator", "mona")
    rule = Rule.objects.filter(rules_version__site=covered_site).first()
    frozen(WEDNESDAY_NIGHT)
    comment = discussion.post_comment(site=covered_site, article=article, author=subscriber,
                                      text=CIVIL)
    run_worker()
    frozen(WEDNESDAY_NIGHT + timedelta(minutes=20))
    moderation.amend_comment(site=covered_site, actor=moderator, comment_id=comment.pk,
                             text=INSULT, rule=rule.number, reason="Testing the desk.")
    run_worker()
    comment.refresh_from_db()
    assert triage.scores_for(comment)["insult"].score >= 0.85  # scored again
    assert triage.scores_for(comment)["insult"].scored_at >= comment.amended_at
    assert not TriageFlag.objects.filter(comment=comment).exists()
    assert comment.status == Comment.Status.PUBLISHED


# --- catching up when the worker returns ---------------------------------------------------

def test_comments_whose_jobs_were_lost_are_scored_when_the_worker_starts(
        site, article, subscriber, run_worker):
    """Posted while the worker was down and their jobs lost (deleted here): the worker's
    start hook finds them, site by site, and they are scored in the same run."""
    from belowtheline.sites.models import Site
    from tests.conftest import make_subscriber
    from tests.discussion.factories import ArticleFactory, RulesVersionFactory

    other = Site.objects.create(slug="herald", name="The Herald")
    RulesVersionFactory(site=other, number=1)
    other_author = make_subscriber(other, username="hal")
    lost = [discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge should have a cycle lane."),
            discussion.post_comment(site=other, article=ArticleFactory(site=other),
                                    author=other_author, text=CIVIL)]
    long_ago = discussion.post_comment(site=site, article=article, author=subscriber,
                                       text="An old one.", now=clock.now() - timedelta(days=30))
    DBTaskResult.objects.all().delete()  # the worker was down and the jobs were lost

    run_worker()  # `btl worker --batch`: the start hook, then every job that is ready

    for comment in lost:
        assert set(triage.scores_for(comment)) >= {"abuse", "insult", "spam"}
    assert triage.scores_for(long_ago) == {}  # older than the catch-up window
    assert _queued() == 0


def test_the_start_hook_does_not_queue_twice_what_is_already_waiting(
        site, article, subscriber):
    waiting = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="The bridge should have a cycle lane.")
    lost = discussion.post_comment(site=site, article=article, author=subscriber, text=CIVIL)
    DBTaskResult.objects.exclude(args_kwargs__args=[waiting.pk]).delete()
    assert _queued() == 1

    assert triage.catch_up() == {"gazette": 1}  # only the lost one
    assert _queued() == 2
    assert triage.catch_up() == {}
    assert not triage.scores_for(lost)


def test_each_sites_catch_up_is_bounded(site, article, subscriber):
    for n in range(3):
        discussion.post_comment(site=site, article=article, author=subscriber,
                                text=f"Comment number {n} about the bridge.",
                                now=clock.now() - timedelta(minutes=10 - n))
    DBTaskResult.objects.all().delete()
    assert triage.catch_up(per_site=2) == {"gazette": 2}
    assert triage.catch_up(per_site=2) == {"gazette": 1}


# --- pruning the near-duplicate index -----------------------------------------------------

def test_fingerprints_older_than_the_duplicate_window_are_pruned_in_batches(
        site, article, subscriber, settings):
    """The index keeps only what a new comment can still be compared with."""
    from belowtheline.worker import on_start

    settings.BTL_TRIAGE_DUPLICATE_HOURS = 24
    now = clock.now()
    old = [discussion.post_comment(site=site, article=article, author=subscriber,
                                   text=f"{CIVIL} Old comment number {n}.",
                                   now=now - timedelta(days=2, minutes=n)) for n in range(5)]
    fresh = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text=f"{CIVIL} A fresh comment.", now=now - timedelta(hours=2))
    for comment in [*old, fresh]:
        triage.score_comment(comment_id=comment.pk, now=now)
    assert Fingerprint.objects.count() == 6
    assert FingerprintBand.objects.count() == 6 * spam.BANDS

    assert triage.prune_fingerprints(now=now, batch=2) == 5  # three batches: 2, 2, 1
    assert list(Fingerprint.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert FingerprintBand.objects.count() == spam.BANDS
    assert not FingerprintBand.objects.exclude(fingerprint_id=fresh.pk).exists()
    assert triage.scores_for(old[0])["spam"]  # the scores stay: only the index forgets

    # The worker's start hook prunes too: a day later the fresh one is past the window.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: now + timedelta(days=1))
        on_start()
    assert not Fingerprint.objects.exists()
    assert not FingerprintBand.objects.exists()


def test_a_copy_within_the_window_is_still_found_after_pruning(site, article, subscriber,
                                                               other_subscriber, settings):
    settings.BTL_TRIAGE_DUPLICATE_HOURS = 24
    now = clock.now()
    text = ("Earn five thousand pounds a week from home with this one simple trick, "
            "thousands already have: http://quick-cash.example.com/start")
    first = discussion.post_comment(site=site, article=article, author=subscriber, text=text,
                                    now=now - timedelta(hours=3))
    triage.score_comment(comment_id=first.pk, now=now - timedelta(hours=3))
    triage.prune_fingerprints(now=now)
    copy = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                   text=text.upper(), now=now)
    triage.score_comment(comment_id=copy.pk, now=now)
    assert triage.scores_for(copy)["spam"].explanation.startswith("same text as 1 comment")


def test_the_worker_loop_of_serve_with_worker_catches_up_when_it_starts(
        site, article, subscriber):
    """`btl serve --with-worker` and `btl worker` run the same loop: its first pass runs
    the start hook, so a comment whose job was lost is scored without anyone asking."""
    import threading
    import time

    from django.db import connection

    from belowtheline.worker import TaskLoop

    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="The bridge should have a cycle lane.")
    DBTaskResult.objects.all().delete()
    loop = TaskLoop(worker_id="rescore-test-worker", interval=0.05)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop.run()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while "abuse" not in triage.scores_for(comment):
            assert time.monotonic() < deadline, "the loop never scored the lost comment"
            assert thread.is_alive(), errors
            time.sleep(0.1)
    finally:
        loop.stop()
        thread.join(20)
    assert not thread.is_alive()
    assert errors == []


def test_the_periodic_upkeep_queues_the_last_hours_lost_jobs(site, article, subscriber):
    from belowtheline.worker import upkeep

    recent = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="Posted half an hour ago.",
                                     now=clock.now() - timedelta(minutes=30))
    discussion.post_comment(site=site, article=article, author=subscriber,
                            text="Posted yesterday: the start hook's business, not upkeep's.",
                            now=clock.now() - timedelta(hours=20))
    DBTaskResult.objects.all().delete()
    upkeep()
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=TASK)] \
        == [[recent.pk]]


def test_after_an_outage_webhooks_go_first_then_new_comments_then_the_catch_up(
        site, article, subscriber):
    """The worker takes ready jobs by priority: a publisher's webhook never waits behind
    scoring, and a comment posted now is scored before the backlog of those nobody scored."""
    from belowtheline.integrations.models import WebhookEndpoint

    lost = discussion.post_comment(site=site, article=article, author=subscriber,
                                   text="Posted while the worker was down.",
                                   now=clock.now() - timedelta(minutes=5))
    DBTaskResult.objects.all().delete()  # its job was lost
    assert triage.catch_up() == {"gazette": 1}
    WebhookEndpoint.objects.create(site=site, url="https://hooks.example.org/btl",
                                   secret="s3cret", events=["comment.created"])
    fresh = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="Posted just now, once the worker was back.")

    order = [(job.task_path.rsplit(".", 1)[-1], job.args_kwargs["args"][0])
             for job in DBTaskResult.objects.ready()]

    assert [name for name, _ in order] == ["deliver_webhook", "score_comment", "score_comment"]
    assert [comment for name, comment in order if name == "score_comment"] == [fresh.pk, lost.pk]
