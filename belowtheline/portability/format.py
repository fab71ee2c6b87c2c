"""The export format, version 1: which records a site's export holds, in which order, and
how each field is written. The writer (`export.py`) and the reader (`restore.py`) both
walk this one list, so they cannot disagree; docs/export-format.md describes it field by
field for anyone reading the file with other tools.

A record's fields are its model's own columns, named as the model names them (a foreign
key by its field name, `article`, holding the referenced record's `id` in the same file).
Columns added to a model later are written by the same version automatically and ignored
by older readers; anything a reader must understand to restore a file exactly moves
FORMAT_VERSION, and the reader keeps reading every version in READABLE_VERSIONS.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

FORMAT_NAME = "btl-site-export"
FORMAT_VERSION = 1
READABLE_VERSIONS = frozenset({1})
# One record is one line; a line longer than this is not one of ours (the longest real
# record is a comment of 5,000 characters with its edits apart), and reading it whole
# would let a hostile file take the memory.
MAX_LINE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class RecordType:
    """One kind of record: its name in the file, its model, and the site's rows of it."""

    name: str
    model: type[models.Model]
    # The site's rows of this kind, given the site's pk (a queryset, not yet ordered).
    rows: Callable[[int], models.QuerySet[Any]]
    # Columns never written: derived caches, and secrets the site does not own.
    exclude: frozenset[str] = field(default_factory=frozenset)

    @functools.cached_property
    def fields(self) -> list[models.Field[Any, Any]]:
        """The columns written, primary key first. A foreign key to a model the export
        does not carry (none today) is left out: it could not be restored anyway."""
        exported = {t.model for t in record_types()}
        out = []
        for f in self.model._meta.concrete_fields:
            if f.name in self.exclude:
                continue
            if f.is_relation and f.related_model not in exported:
                continue
            out.append(f)
        return out

    @property
    def own_ids(self) -> bool:
        """Whether its records have ids of their own (an auto primary key), rather than
        sharing the id of the site or article they belong to (one-to-one)."""
        return not self.model._meta.pk.is_relation


def key_of(f: models.Field[Any, Any]) -> str:
    """A column's name in the file: the primary key is `id`, everything else its name."""
    return "id" if f.primary_key and not f.is_relation else f.name


def encode_value(f: models.Field[Any, Any], value: object) -> object:
    """A column's value as JSON: times in ISO 8601 with their UTC offset, bytes in base64,
    everything else as JSON has it (floats written so they read back to the same bits)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(f, models.BinaryField):
        return base64.b64encode(bytes(value)).decode("ascii")  # type: ignore[arg-type]
    return value


def decode_value(f: models.Field[Any, Any], value: object) -> object:
    """The column's Python value from its JSON; ValueError when it is not one."""
    if value is None:
        if not f.null:
            raise ValueError("may not be null")
        return None
    if isinstance(f, models.JSONField):
        return value
    if isinstance(f, models.BinaryField):
        if not isinstance(value, str):
            raise ValueError("must be base64 text")
        return base64.b64decode(value, validate=True)
    if isinstance(f, models.BooleanField):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(f, models.IntegerField | models.AutoField | models.FloatField):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if not isinstance(f, models.FloatField) and not isinstance(value, int):
            raise ValueError("must be a whole number")
    elif isinstance(f, models.CharField | models.TextField) and not isinstance(value, str):
        raise ValueError("must be text")
    elif isinstance(f, models.DateTimeField):
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 time")
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("must carry its UTC offset")
        return parsed
    try:
        decoded = f.to_python(value)
    except Exception as exc:  # Django's ValidationError, or a type it did not expect
        raise ValueError(str(getattr(exc, "message", exc))) from None
    if isinstance(f, models.CharField | models.TextField):
        if f.max_length is not None and isinstance(f, models.CharField) \
                and len(decoded) > f.max_length:
            raise ValueError(f"is longer than {f.max_length} characters")
        if f.choices and decoded not in {c[0] for c in f.flatchoices} \
                and not (f.blank and decoded == ""):
            raise ValueError(f"is not one of {', '.join(str(c[0]) for c in f.flatchoices)}")
    return decoded


def dumps(record: dict[str, object]) -> bytes:
    """One line of the file. Non-ASCII text stays as it is (UTF-8), readable in any editor;
    JSON escapes every line break inside a string, so a record is always exactly one line."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@functools.cache
def record_types() -> tuple[RecordType, ...]:
    """Every kind of record, in the order the file holds them: whatever a record refers to
    comes before it, except comments' parents (comments are written oldest id first, and
    the reader needs no order among them).

    Not exported, on purpose: API keys (the hashes let a key in: a publisher issues new
    ones), webhook deliveries and posting keys (transient logs), triage's near-duplicate
    fingerprints and a retrained abuse head (rebuilt by the worker and `btl triage train`),
    the queue's version and sessions (an install's own state)."""
    from belowtheline.accounts.models import (
        DataRightsRecord,
        ErasedIdentity,
        ExternalIdentity,
        Notification,
        StaffRole,
        Subscription,
        User,
    )
    from belowtheline.discussion.models import (
        Article,
        Comment,
        CommentEdit,
        Disagreement,
        Recommendation,
        Report,
        Rule,
        RulesAcceptance,
        RulesVersion,
    )
    from belowtheline.imports.models import ImportedAuthor, ImportedComment, ImportedThread
    from belowtheline.integrations.models import WebhookEndpoint
    from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
    from belowtheline.sites.models import CoverException, CoverPeriod, Site
    from belowtheline.triage.models import (
        CommentScore,
        LegalProceedings,
        SiteWord,
        TriageFlag,
        TriageSettings,
        TriageThreshold,
    )

    def of_site(model: type[models.Model]) -> Callable[[int], models.QuerySet[Any]]:
        return lambda site_id: model._base_manager.filter(site_id=site_id)

    types = [
        # The site's own settings. Its version is the install's cache key, not the site's.
        RecordType("site", Site, lambda site_id: Site.objects.filter(pk=site_id),
                   exclude=frozenset({"config_version"})),
        # Everyone the site's records name. Install-wide powers (superuser) are the
        # install's, not the site's; the password hash only on request (see export.py).
        RecordType("user", User, _site_people, exclude=frozenset({"is_superuser"})),
        RecordType("external_identity", ExternalIdentity, of_site(ExternalIdentity)),
        RecordType("erased_identity", ErasedIdentity, of_site(ErasedIdentity)),
        RecordType("subscription", Subscription, of_site(Subscription)),
        RecordType("staff_role", StaffRole, of_site(StaffRole)),
        RecordType("cover_period", CoverPeriod, of_site(CoverPeriod)),
        RecordType("cover_exception", CoverException, of_site(CoverException)),
        RecordType("rules_version", RulesVersion, of_site(RulesVersion)),
        RecordType("rule", Rule, of_site(Rule)),
        RecordType("rules_acceptance", RulesAcceptance, of_site(RulesAcceptance)),
        RecordType("article", Article, of_site(Article)),
        RecordType("legal_proceedings", LegalProceedings, of_site(LegalProceedings)),
        RecordType("comment", Comment, of_site(Comment)),
        RecordType("comment_edit", CommentEdit, of_site(CommentEdit)),
        RecordType("recommendation", Recommendation, of_site(Recommendation)),
        RecordType("disagreement", Disagreement, of_site(Disagreement)),
        RecordType("report", Report, of_site(Report)),
        RecordType("sanction", Sanction, of_site(Sanction)),
        RecordType("moderator_note", ModeratorNote, of_site(ModeratorNote)),
        RecordType("audit_entry", AuditEntry, of_site(AuditEntry)),
        RecordType("notification", Notification, of_site(Notification)),
        RecordType("data_rights_record", DataRightsRecord, of_site(DataRightsRecord)),
        RecordType("triage_settings", TriageSettings, of_site(TriageSettings)),
        RecordType("triage_threshold", TriageThreshold,
                   lambda site_id: TriageThreshold.objects.filter(site_settings_id=site_id)),
        RecordType("site_word", SiteWord, of_site(SiteWord)),
        RecordType("comment_score", CommentScore, of_site(CommentScore)),
        RecordType("triage_flag", TriageFlag, of_site(TriageFlag)),
        # What earlier imports (Disqus, WordPress, Isso) remember of their sources' ids, so
        # that importing a newer export of the same forum after a restore still merges.
        RecordType("imported_author", ImportedAuthor, of_site(ImportedAuthor)),
        RecordType("imported_thread", ImportedThread, of_site(ImportedThread)),
        RecordType("imported_comment", ImportedComment, of_site(ImportedComment)),
        RecordType("webhook_endpoint", WebhookEndpoint, of_site(WebhookEndpoint)),
    ]
    return tuple(types)


def _site_people(site_id: int) -> models.QuerySet[Any]:
    """Every account a record of the site names (author, reporter, actor, subscriber…),
    found by subqueries in the database: a site with a million commenters must not send a
    million ids back and forth."""
    from belowtheline.accounts.models import User

    wanted = models.Q(pk__in=[])
    for record_type in record_types():
        if record_type.model is User:
            continue
        for f in record_type.model._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                wanted |= models.Q(pk__in=record_type.rows(site_id).exclude(
                    **{f"{f.attname}__isnull": True}).values(f.attname))
    return User.objects.filter(wanted)


def by_name() -> dict[str, RecordType]:
    return {t.name: t for t in record_types()}
