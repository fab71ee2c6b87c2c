"""Shared pieces of the Django admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """A window for looking things up, never for changing them: rows made only by services
    (comments, the audit trail, deliveries, token identities) must not be added, edited or
    deleted around them, which would skip their rules and their audit entries."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
