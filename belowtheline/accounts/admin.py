from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from belowtheline.accounts.models import StaffRole, Subscription, User


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
