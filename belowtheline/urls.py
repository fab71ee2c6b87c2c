from django.contrib import admin
from django.urls import include, path

handler500 = "belowtheline.health.server_error"

admin.site.site_header = "Below the Line administration"
admin.site.site_title = "Below the Line"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("belowtheline.api.urls")),
    path("accounts/", include("belowtheline.accounts.urls")),
    path("moderate/", include("belowtheline.moderation.urls")),
    path("", include("belowtheline.integrations.urls")),
    path("", include("belowtheline.discussion.urls")),
    path("", include("belowtheline.accounts.site_urls")),
    path("", include("belowtheline.demo.urls")),
]
