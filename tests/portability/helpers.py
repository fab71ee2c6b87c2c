"""What a site looks like to its readers and staff, captured so that two installs (before
an export and after its restore) can be compared as people would compare them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from belowtheline.accounts.models import User
from belowtheline.discussion.models import Article, Comment
from belowtheline.imports.progress import Progress
from belowtheline.moderation import selectors as moderation
from belowtheline.moderation.models import AuditEntry
from belowtheline.portability.export import write_export
from belowtheline.portability.format import record_types
from belowtheline.portability.restore import import_site
from belowtheline.sites.models import Site

# What differs between two renderings of the same page by design: the CSP nonce and the
# CSRF token are new for every response, and the restore moves the thread's version (the
# cache key) on purpose, so that no rendering from before is served.
VOLATILE = [
    (re.compile(r'data-thread-version="\d+"'), 'data-thread-version=""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'"csrf(_?token)?"\s*:\s*"[^"]*"', re.IGNORECASE), '"csrf":""'),
    (re.compile(r'data-csrf="[^"]*"'), 'data-csrf=""'),
]
TABS = ["reported", "flagged", "held", "recent", "decided"]


def normalised(html: str) -> str:
    for pattern, replacement in VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def pages_readers_see(site: Site) -> dict[str, str]:
    """Every thread in every order, and the rules, as an anonymous reader gets them."""
    client = Client()
    pages = {}
    for article in Article.objects.filter(site=site).order_by("pk"):
        for sort in ("newest", "oldest", "recommended"):
            url = reverse("thread", args=[site.slug, article.pk]) + f"?sort={sort}"
            response = client.get(url)
            assert response.status_code == 200, url
            pages[url] = normalised(response.content.decode())
    for name in ("rules", "why_subscribers"):
        url = reverse(name, args=[site.slug])
        pages[url] = normalised(client.get(url).content.decode())
    return pages


def pages_moderators_see(site: Site, moderator_username: str) -> dict[str, str]:
    client = Client()
    client.force_login(User.objects.get(username=moderator_username))
    pages = {}
    for tab in TABS:
        url = reverse("moderation_queue", args=[site.slug]) + f"?tab={tab}"
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = normalised(response.content.decode())
    return pages


def audit_trail(site: Site) -> list[tuple[object, ...]]:
    return [
        (e.pk, e.created_at, e.actor.username if e.actor else None, e.actor_name, e.action,
         e.comment_id, e.article_id, e.subject.username if e.subject else None, e.rule_id,
         e.reason, e.text_before, e.text_after, e.cover)
        for e in AuditEntry.objects.filter(site=site).select_related("actor", "subject")
        .order_by("created_at", "pk")
    ]


def comments(site: Site) -> list[tuple[object, ...]]:
    return list(Comment.objects.filter(site=site).order_by("pk").values_list(
        "pk", "article_id", "author__username", "parent_id", "thread_root_id", "text",
        "status", "created_at", "edited_at", "status_changed_at", "recommendation_count",
        "amended_at", "moderation_rule_id", "open_report_count", "has_open_legal_report",
        "first_open_report_at", "open_report_weight", "queue_rising_key",
        "queue_settled_key"))


def counts(site: Site) -> dict[str, int]:
    return {t.name: t.rows(site.pk).count() for t in record_types()}


def rows_of_every_kind(site: Site) -> dict[str, list[dict[str, object]]]:
    """Every exported row, as values, without the columns that are an install's own."""
    out = {}
    for t in record_types():
        skip = {"config_version", "thread_version", "password", "last_login"}
        names = [f.attname for f in t.fields if f.name not in skip]
        out[t.name] = list(t.rows(site.pk).order_by(t.model._meta.pk.attname).values(*names))
    return out


def what_people_see(site_slug: str, *, moderator: str, now: datetime) -> dict[str, object]:
    site = Site.objects.get(slug=site_slug)
    return {
        "readers": pages_readers_see(site),
        "moderators": pages_moderators_see(site, moderator),
        "queue_counts": moderation.queue_counts(site=site),
        "articles": list(Article.objects.filter(site=site).order_by("pk").values_list(
            "pk", "title", "canonical_url", "comment_count", "comment_mode", "published_at")),
        "comments": comments(site),
        "audit": audit_trail(site),
        "counts": counts(site),
        "rows": rows_of_every_kind(site),
    }


def export_to(site_slug: str, path: Path, **options: object) -> Path:
    write_export(Site.objects.get(slug=site_slug), path, **options)  # type: ignore[arg-type]
    return path


def restore(path: Path, site_slug: str):  # type: ignore[no-untyped-def]
    return import_site(path, site_slug=site_slug, progress=Progress(enabled=False))


def empty_the_install() -> None:
    """A fresh database: every table emptied, as on a new install after `btl migrate`."""
    call_command("flush", interactive=False, verbosity=0)


def site_rows_total(site_id: int) -> int:
    return sum(t.rows(site_id).count() for t in record_types())


def model_count(model: type[models.Model]) -> int:
    return model._base_manager.count()
