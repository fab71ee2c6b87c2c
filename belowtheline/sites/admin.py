from django.contrib import admin

from belowtheline.sites.models import Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "time_zone"]}),
        (
            "Reader-facing texts",
            {"fields": ["moderation_notice", "subscriber_only_text", "why_subscribers_text",
                        "subscribe_url"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The slug is in publishers' embed tags and tokens: changing it would orphan them.
        return ["slug"] if obj else []
