"""Backfill the open-report figures 0004 added: each open report's weight from its reporter's
track record today, then every reported comment's count, legal flag, first report time,
weight and queue keys.

A copy of belowtheline.discussion.reports (reporter_weight, age_units,
recount_open_reports): migrations import no app code, so that this one keeps working
whatever that module becomes.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import Case, Count, Max, Min, Q, Sum, Value, When
from django.utils import timezone

WEIGHT_FLOOR, WEIGHT_SPAN, WEIGHT_UNKNOWN = 250, 1000, 750
AGE_CAP = 2000
AGE_FULL = timedelta(hours=24)
MICROSECONDS_PER_UNIT = int(AGE_FULL.total_seconds() * 1_000_000) // AGE_CAP
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def age_units(instant):
    delta = instant - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros // MICROSECONDS_PER_UNIT


def backfill(apps, schema_editor):
    Report = apps.get_model("discussion", "Report")
    Comment = apps.get_model("discussion", "Comment")
    db = schema_editor.connection.alias
    reports = Report.objects.using(db)
    records = {
        (row["site_id"], row["reporter_id"]): row
        for row in reports.exclude(status="open").values("site_id", "reporter_id")
        .annotate(decided=Count("pk"), upheld=Count("pk", filter=Q(status="upheld")))
        .order_by()
    }
    for key in reports.filter(status="open").values_list("site_id", "reporter_id").distinct():
        row = records.get(key)
        weight = (WEIGHT_FLOOR + round(WEIGHT_SPAN * row["upheld"] / row["decided"])
                  if row else WEIGHT_UNKNOWN)
        reports.filter(site_id=key[0], reporter_id=key[1], status="open").update(weight=weight)

    settled_before = timezone.now() - AGE_FULL
    rows = (
        reports.filter(status="open").values("comment_id")
        .annotate(n=Count("pk"), weight=Sum("weight"), first=Min("created_at"),
                  legal=Max(Case(When(reason="legal_risk", then=Value(1)), default=Value(0))))
        .order_by()
    )
    for row in rows.iterator():
        Comment.objects.using(db).filter(pk=row["comment_id"]).update(
            open_report_count=row["n"],
            has_open_legal_report=bool(row["legal"]),
            first_open_report_at=row["first"],
            open_report_weight=row["weight"],
            queue_rising_key=row["weight"] - age_units(row["first"]),
            queue_settled_key=row["weight"] if row["first"] <= settled_before else None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("discussion", "0004_open_report_figures"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
