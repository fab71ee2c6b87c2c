"""Django admin for the staff side: a window for looking things up, never for changing them.

The audit trail is append-only for everyone, superusers included, so its admin has no add,
change or delete. Sanctions and notes are shown read-only too: made or lifted here they
would bypass the services, and with them the audit entry every decision must leave.
"""

from django.contrib import admin

from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "site", "actor_name", "action", "comment_id", "subject",
                    "rule", "cover"]
    list_filter = ["site", "action", "cover"]
    search_fields = ["actor_name", "reason", "text_before", "text_after"]
    date_hierarchy = "created_at"
    list_select_related = ["site", "subject", "rule"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["user", "site", "kind", "created_at", "ends_at", "lifted_at", "created_by"]
    list_filter = ["site", "kind"]
    search_fields = ["user__username", "user__display_name", "reason"]
    list_select_related = ["user", "site", "created_by"]


@admin.register(ModeratorNote)
class ModeratorNoteAdmin(ReadOnlyAdmin):
    list_display = ["user", "site", "author", "created_at", "text"]
    list_filter = ["site"]
    search_fields = ["user__username", "user__display_name", "text"]
    list_select_related = ["user", "site", "author"]
