"""Load the demo publication through the same services readers and staff use.

Comments, recommendations, rules acceptances and reports go through
`discussion.services`, with `now` set back in time, so the demo data obeys every rule a
real thread obeys (subscribers only, rules accepted first, counts kept by the services)
and a change to those rules shows up here as a loading error rather than as a demo that
quietly contradicts the product. Only what has no service yet (the site, its articles,
accounts, subscriptions, staff roles and the draft rules) is created directly.

It loads once: `btl demo` runs on every `make demo`, and an existing demo site (perhaps
with a visitor's own comments on it) is left alone.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from belowtheline import clock
from belowtheline.accounts.models import StaffRole, Subscription, User
from belowtheline.demo import content
from belowtheline.demo.content import DemoArticle, DemoComment
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, Rule, RulesVersion
from belowtheline.errors import BtlError
from belowtheline.sites.models import Site


class DemoNotLoaded(BtlError):
    """The demo cannot be loaded into this database as it stands."""

    status = 409


@dataclass(frozen=True)
class DemoLoad:
    site: Site
    loaded: bool  # False when the demo site was already there and nothing was added
    articles: int = 0
    comments: int = 0
    reports: int = 0


def demo_site() -> Site | None:
    return Site.objects.filter(slug=content.SITE_SLUG).first()


def load_demo(*, now: datetime | None = None) -> DemoLoad:
    """Create the demo publication unless it exists; all of it or, on any error, none of it."""
    now = now or clock.now()
    # The check is inside the transaction so that two starts at once cannot both load
    # (SQLite takes the write lock at BEGIN; elsewhere the unique slug stops the second).
    with transaction.atomic():
        existing = demo_site()
        if existing is not None:
            return DemoLoad(site=existing, loaded=False)
        wanted = [a.username for a in content.ACCOUNTS] + list(content.COMMENTERS)
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
    """One load: the site, then its people, rules, stories, threads and reports, in order."""

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
        self.create_people()
        self.publish_rules()
        articles = [(spec, self.create_article(spec)) for spec in content.ARTICLES]
        self.post_comments(articles)
        self.recommend(articles)
        reports = self.file_reports()
        return DemoLoad(
            site=self.site,
            loaded=True,
            articles=len(articles),
            comments=len(self.comments),
            reports=reports,
        )

    def create_user(self, username: str, password: str, display_name: str,
                    **flags: bool) -> User:
        user = User.objects.create_user(
            username=username,
            email=f"{username}@wrenmouth-courier.example",
            password=password,
            display_name=display_name,
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

    def comment_time(self, spec: DemoArticle, item: DemoComment, later: int = 0) -> datetime:
        return self.at(spec.days_ago, spec.published_at, item.minutes + later)

    def each_comment(
        self, articles: list[tuple[DemoArticle, Article]]
    ) -> Iterator[tuple[DemoArticle, Article, DemoComment]]:
        for spec, article in articles:
            for item in spec.comments:
                yield spec, article, item

    def post_comments(self, articles: list[tuple[DemoArticle, Article]]) -> None:
        # Oldest first across all stories, so that ids follow time as they do in real life.
        for spec, article, item in sorted(
            self.each_comment(articles), key=lambda row: self.comment_time(row[0], row[2])
        ):
            self.comments[item.key] = services.post_comment(
                site=self.site,
                article=article,
                author=self.people[item.author],
                text=item.text,
                parent=self.comments[item.reply_to] if item.reply_to else None,
                now=self.comment_time(spec, item),
            )

    def recommend(self, articles: list[tuple[DemoArticle, Article]]) -> None:
        gap = content.RECOMMENDATION_GAP_MINUTES
        recommendations = sorted(
            (
                (self.comment_time(spec, item, gap * (n + 1)), item.key, username)
                for spec, _, item in self.each_comment(articles)
                for n, username in enumerate(item.recommended_by)
            ),
        )
        for when, key, username in recommendations:
            services.recommend_comment(
                site=self.site,
                comment_id=self.comments[key].pk,
                user=self.people[username],
                now=when,
            )

    def file_reports(self) -> int:
        reader = self.people[content.READER.username]
        for report in content.REPORTS:
            comment = self.comments[report.comment]
            services.report_comment(
                site=self.site,
                comment_id=comment.pk,
                reporter=reader,
                reason=report.reason,
                note=report.note,
                now=comment.created_at + timedelta(minutes=report.minutes),
            )
        return len(content.REPORTS)
