"""Load the demo publication through the same services readers and staff use.

Comments, recommendations, rules acceptances and reports go through
`discussion.services`, and the moderator's decisions through `moderation.services`, with
`now` set back in time, so the demo data obeys every rule a real thread obeys
(subscribers only, rules accepted first, counts kept by the services, the system's
out-of-hours holds, pre-moderation) and a change to those rules shows up here as a
loading error rather than as a demo that quietly contradicts the product. They run as
one timeline, oldest first, so that each happens in the state it would have met: a reply
before its parent is removed, a comment after its author was put on pre-moderation. Only
what has no service yet (the site, its articles, accounts, subscriptions, staff roles,
the draft rules and a dated cover exception) is created directly.

It loads once: `btl demo` runs on every `make demo`, and an existing demo site (perhaps
with a visitor's own comments on it) is left alone.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test.utils import override_settings

from belowtheline import clock
from belowtheline.accounts.models import StaffRole, Subscription, User
from belowtheline.demo import content
from belowtheline.demo.content import DemoArticle, DemoComment, DemoDecision, DemoReport
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, Report, Rule, RulesVersion
from belowtheline.errors import BtlError
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import Sanction
from belowtheline.sites.models import CoverException, CoverKind, Site
from belowtheline.sites.services import seed_default_cover

# The order of things that happen at the same minute: a comment, then what answers it.
COMMENT, RECOMMENDATION, REPORT, DECISION = range(4)
Happening = Callable[[datetime], None]
Event = tuple[datetime, int, Happening]  # when, order at that minute, what happens

# The history is invented: nobody is emailed about it (the in-app notifications stay).
QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"


class DemoNotLoaded(BtlError):
    """The demo cannot be loaded into this database as it stands."""

    status = 409


@dataclass(frozen=True)
class DemoLoad:
    site: Site
    loaded: bool  # False when the demo site was already there and nothing was added
    articles: int = 0
    comments: int = 0
    reports: int = 0  # open, waiting for a moderator
    awaiting: int = 0  # comments held out of view or awaiting approval


def publisher_origins(port: int) -> list[str]:
    """The origins of the demo publisher page on loopback, under both usual names."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def _publisher_port() -> int:
    raw = os.environ.get("PUBLISHER_PORT", "")
    return int(raw) if raw.isdigit() else content.DEMO_PUBLISHER_PORT


def demo_site() -> Site | None:
    return Site.objects.filter(slug=content.SITE_SLUG).first()


def load_demo(*, now: datetime | None = None) -> DemoLoad:
    """Create the demo publication unless it exists; all of it or, on any error, none of it."""
    now = now or clock.now()
    # The check is inside the transaction so that two starts at once cannot both load
    # (SQLite takes the write lock at BEGIN; elsewhere the unique slug stops the second).
    with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
        existing = demo_site()
        if existing is not None:
            return DemoLoad(site=existing, loaded=False)
        wanted = [
            *(a.username for a in content.ACCOUNTS), *content.COMMENTERS, *content.READERS
        ]
        taken = sorted(
            User.objects.filter(username__in=wanted).values_list("username", flat=True)
        )
        if taken:
            # Resetting someone's password, or printing one that is not theirs, would be
            # worse than stopping: the command prints these passwords as the way in.
            raise DemoNotLoaded(
                "demo_usernames_taken",
                f"The demo needs these usernames, which already exist: {', '.join(taken)}. "
                "Use a fresh database (for example BTL_VAR_DIR=/tmp/btl-demo) for the demo.",
            )
        return _Loader(now).load()


class _Loader:
    """One load: the site and its cover, its people and rules, its stories, then the
    timeline of comments, recommendations, reports and moderation, oldest first."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = ZoneInfo(content.SITE_TIME_ZONE)
        self.today: date = now.astimezone(self.zone).date()
        self.site = Site.objects.create(
            slug=content.SITE_SLUG,
            name=content.SITE_NAME,
            time_zone=content.SITE_TIME_ZONE,
            subscribe_url="",
            subscriber_only_text=content.SUBSCRIBER_ONLY_TEXT,
            why_subscribers_text=content.WHY_SUBSCRIBERS_TEXT,
            moderation_notice=content.MODERATION_NOTICE,
            # The demo publisher page signs its readers' tokens with the shared secret
            # and embeds the thread from its own origin.
            sso_algorithm=Site.SsoAlgorithm.HS256,
            sso_secret=os.environ.get("BTL_DEMO_SSO_SECRET", content.DEMO_SSO_SECRET_DEFAULT),
            allowed_origins="\n".join(publisher_origins(_publisher_port())),
        )
        self.people: dict[str, User] = {}
        self.comments: dict[str, Comment] = {}

    def at(self, days_ago: int, local: time, minutes: int = 0) -> datetime:
        """A moment in the site's own time zone, as the newsroom would schedule it."""
        day = self.today - timedelta(days=days_ago)
        moment = datetime.combine(day, local, tzinfo=self.zone) + timedelta(minutes=minutes)
        if moment > self.now:
            raise DemoNotLoaded(
                "demo_time_in_future", f"Demo content is timed after now ({moment:%c})."
            )
        return moment

    def load(self) -> DemoLoad:
        self.set_up_cover()
        self.create_people()
        self.publish_rules()
        articles = [(spec, self.create_article(spec)) for spec in content.ARTICLES]
        timeline = sorted(
            [
                *self.comment_events(articles),
                *self.recommendation_events(articles),
                *self.report_events(),
                *self.decision_events(),
            ],
            key=lambda event: (event[0], event[1]),
        )
        for when, _, happen in timeline:
            happen(when)
        site = self.site
        return DemoLoad(
            site=site,
            loaded=True,
            articles=len(articles),
            comments=len(self.comments),
            reports=Report.objects.filter(site=site, status=Report.Status.OPEN).count(),
            awaiting=Comment.objects.filter(
                site=site, status__in=[Comment.Status.HELD, Comment.Status.PENDING]
            ).count(),
        )

    def set_up_cover(self) -> None:
        """The default week (full-time 9 to 6 on weekdays, part-time otherwise) and the
        next Christmas bank holidays as part-time days."""
        seed_default_cover(site=self.site)
        year = self.today.year if self.today <= date(self.today.year, 12, 26) else \
            self.today.year + 1
        for month, day, note in content.BANK_HOLIDAYS:
            CoverException.objects.create(
                site=self.site, date=date(year, month, day), kind=CoverKind.PART_TIME,
                note=note,
            )

    def create_user(self, username: str, password: str, display_name: str,
                    **flags: bool) -> User:
        user = User.objects.create_user(
            username=username,
            email=f"{username}@wrenmouth-courier.example",
            password=password,
            display_name=display_name,
            # Regulars of the paper, not accounts made today: a new account's reports
            # count for little (discussion/reports.py), and the story's week happens before
            # the load.
            date_joined=clock.now() - timedelta(days=400),
            **flags,
        )
        self.people[username] = user
        return user

    def create_people(self) -> None:
        site = self.site
        for account in content.ACCOUNTS:
            is_admin = account is content.ADMIN
            self.create_user(
                account.username, account.password, account.display_name,
                is_staff=is_admin, is_superuser=is_admin,
            )
        # The demo subscriber has a subscription but has not accepted the rules, so that a
        # visitor who signs in meets the acceptance step before a first comment.
        Subscription.objects.create(
            site=site, user=self.people[content.SUBSCRIBER.username],
            status=Subscription.Status.ACTIVE,
        )
        StaffRole.objects.create(
            site=site, user=self.people[content.MODERATOR.username],
            role=StaffRole.Role.MODERATOR, cover=StaffRole.Cover.FULL_TIME,
        )
        StaffRole.objects.create(
            site=site, user=self.people[content.ADMIN.username],
            role=StaffRole.Role.ADMIN, cover=StaffRole.Cover.FULL_TIME,
        )
        for username, display_name in content.COMMENTERS.items():
            user = self.create_user(username, content.commenter_password(username), display_name)
            Subscription.objects.create(site=site, user=user, status=Subscription.Status.ACTIVE)
        for username, display_name in content.READERS.items():
            self.create_user(username, content.commenter_password(username), display_name)

    def publish_rules(self) -> None:
        version = RulesVersion.objects.create(
            site=self.site, number=1, preamble=content.RULES_PREAMBLE
        )
        for number, (title, text) in enumerate(content.RULES, start=1):
            Rule.objects.create(
                site=self.site, rules_version=version, number=number, title=title, text=text
            )
        services.publish_rules_version(
            site=self.site,
            rules_version_id=version.pk,
            actor=self.people[content.ADMIN.username],
            now=self.at(content.RULES_PUBLISHED_DAYS_AGO, content.RULES_PUBLISHED_AT),
        )
        # Commenters signed up over an afternoon, well before the stories they discuss.
        for n, username in enumerate(content.COMMENTERS):
            services.accept_rules(
                site=self.site,
                user=self.people[username],
                rules_version_id=version.pk,
                now=self.at(content.COMMENTERS_ACCEPT_RULES_DAYS_AGO, time(12, 0), 20 * n),
            )

    def create_article(self, spec: DemoArticle) -> Article:
        published_at = self.at(spec.days_ago, spec.published_at)
        local_date = published_at.astimezone(self.zone)
        return Article.objects.create(
            site=self.site,
            canonical_url=f"{content.ARTICLE_URL_BASE}/{local_date:%Y/%m}/{spec.slug}",
            title=spec.title,
            standfirst=spec.standfirst,
            body=spec.body,
            published_at=published_at,
            comment_mode=Article.CommentMode.OPEN,
        )

    # --- the timeline: (when, order at the same minute, what happens) -----------------------

    def comment_time(self, spec: DemoArticle, item: DemoComment, later: int = 0) -> datetime:
        return self.at(spec.days_ago, spec.published_at, item.minutes + later)

    def each_comment(
        self, articles: list[tuple[DemoArticle, Article]]
    ) -> Iterator[tuple[DemoArticle, Article, DemoComment]]:
        for spec, article in articles:
            for item in spec.comments:
                yield spec, article, item

    def comment_events(self, articles: list[tuple[DemoArticle, Article]]) -> Iterator[Event]:
        for spec, article, item in self.each_comment(articles):
            yield self.comment_time(spec, item), COMMENT, self.poster(article, item)

    def poster(self, article: Article, item: DemoComment) -> Happening:
        def post(when: datetime) -> None:
            self.comments[item.key] = services.post_comment(
                site=self.site,
                article=article,
                author=self.people[item.author],
                text=item.text,
                parent=self.comments[item.reply_to] if item.reply_to else None,
                now=when,
            )

        return post

    def recommendation_events(
        self, articles: list[tuple[DemoArticle, Article]]
    ) -> Iterator[Event]:
        gap = content.RECOMMENDATION_GAP_MINUTES
        for spec, _, item in self.each_comment(articles):
            for n, username in enumerate(item.recommended_by):
                yield (self.comment_time(spec, item, gap * (n + 1)), RECOMMENDATION,
                       self.recommender(item.key, username))

    def recommender(self, key: str, username: str) -> Happening:
        def recommend(when: datetime) -> None:
            services.recommend_comment(
                site=self.site, comment_id=self.comments[key].pk,
                user=self.people[username], now=when,
            )

        return recommend

    def report_events(self) -> Iterator[Event]:
        for report in content.REPORTS:
            yield self.at(report.days_ago, report.at), REPORT, self.reporter(report)

    def reporter(self, report: DemoReport) -> Happening:
        def file(when: datetime) -> None:
            # moderation's on_report_filed hook runs inside: it may hold the comment.
            services.report_comment(
                site=self.site,
                comment_id=self.comment_before(report.comment, when).pk,
                reporter=self.people[report.reporter],
                reason=report.reason,
                note=report.note,
                now=when,
            )

        return file

    def decision_events(self) -> Iterator[Event]:
        for decision in content.DECISIONS:
            yield self.at(decision.days_ago, decision.at), DECISION, self.decider(decision)

    def decider(self, decision: DemoDecision) -> Happening:
        def decide(when: datetime) -> None:
            site, moderator = self.site, self.people[content.MODERATOR.username]
            if decision.action in ("premoderate", "note"):
                assert decision.author is not None
                user_id = self.people[decision.author].pk
                if decision.action == "premoderate":
                    moderation.sanction_author(
                        site=site, actor=moderator, user_id=user_id,
                        kind=Sanction.Kind.PREMODERATION, reason=decision.reason, now=when,
                    )
                else:
                    moderation.add_moderator_note(
                        site=site, actor=moderator, user_id=user_id, text=decision.text,
                        now=when,
                    )
                return
            assert decision.comment is not None
            comment_id = self.comment_before(decision.comment, when).pk
            if decision.action == "dismiss":
                moderation.dismiss_reports(site=site, actor=moderator, comment_id=comment_id,
                                           reason=decision.reason, now=when)
            elif decision.action == "remove":
                moderation.remove_comment(site=site, actor=moderator, comment_id=comment_id,
                                          rule=decision.rule, reason=decision.reason,
                                          now=when)
            elif decision.action == "amend":
                moderation.amend_comment(site=site, actor=moderator, comment_id=comment_id,
                                         text=decision.text, rule=decision.rule,
                                         reason=decision.reason, now=when)

        return decide

    def comment_before(self, key: str, when: datetime) -> Comment:
        """The comment a report or decision is about, which must be older than it."""
        comment = self.comments.get(key)
        if comment is None or comment.created_at >= when:
            raise DemoNotLoaded(
                "demo_timeline", f"Demo comment {key!r} is acted on before it was posted."
            )
        return comment
