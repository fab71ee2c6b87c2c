from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html

from belowtheline import clock
from belowtheline.accounts.api_keys import create_api_key, revoke_api_key
from belowtheline.accounts.models import (
    ApiKey,
    DataRightsRecord,
    ExternalIdentity,
    StaffRole,
    Subscription,
    User,
)
from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.errors import BtlError


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("On the thread", {"fields": ["display_name"]}),
    ]
    list_display = ["username", "display_name", "email", "is_staff"]
    search_fields = ["username", "display_name", "email"]
    inlines = [SubscriptionInline, StaffRoleInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "status", "expires_at"]
    list_filter = ["site", "status"]
    search_fields = ["user__username", "user__email", "user__display_name"]
    autocomplete_fields = ["user"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "role", "cover"]
    list_filter = ["site", "role"]
    autocomplete_fields = ["user"]


class ApiKeyForm(forms.ModelForm):
    """Only what an admin chooses; the key itself, its hash and its account are made by
    `create_api_key`."""

    class Meta:
        model = ApiKey
        fields = ["site", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here and shown once, in the confirmation message; afterwards only
    their prefix identifies them. Revoking is an action; nothing else about a key changes."""

    list_display = ["name", "site", "prefix", "created_at", "created_by", "last_used_at",
                    "revoked_at"]
    list_filter = ["site", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["site", "name", "prefix", "account", "created_at", "created_by",
                       "last_used_at", "revoked_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.readonly_fields if obj is not None else ["site", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Deleting would orphan the audit trail's integration account: revoke instead.
        return False

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        if change:
            return
        try:
            key, raw = create_api_key(site=obj.site, actor=request.user,
                                      name=form.cleaned_data["name"], now=clock.now())
        except BtlError as error:
            # The add view has no way to re-show the form from here; say why and stop.
            self.message_user(request, error.message, messages.ERROR)
            raise PermissionDenied(error.message) from error
        obj.pk = key.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            format_html(
                "API key created. Copy it now: it will not be shown again.<br><code>{}</code>",
                raw,
            ),
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        revoked = 0
        for key in queryset:
            try:
                revoke_api_key(site=key.site, actor=request.user, key_id=key.pk,
                               now=clock.now())
            except BtlError as error:
                self.message_user(request, f"{key}: {error.message}", messages.ERROR)
                continue
            revoked += 1
        if revoked:
            self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    """Made and kept up to date by subscriber tokens only: read-only here."""

    list_display = ["subject", "site", "user", "created_at", "last_seen_at"]
    list_filter = ["site"]
    search_fields = ["subject", "user__username", "user__display_name", "user__email"]
    readonly_fields = ["site", "subject", "user", "created_at", "last_seen_at"]


@admin.register(DataRightsRecord)
class DataRightsRecordAdmin(ReadOnlyAdmin):
    """Every data download and account deletion, append-only: the publisher's proof that it
    answered a reader's request. Acting for a reader is on the site's reader-data page
    (`/sites/<slug>/readers/<id>/data/`), which records it here."""

    list_display = ["created_at", "site", "kind", "person", "actor_name", "on_request"]
    list_filter = ["site", "kind", "on_request"]
    search_fields = ["person__username", "actor_name", "note"]
    readonly_fields = ["created_at", "site", "kind", "person", "actor", "actor_name",
                       "on_request", "note"]
