"""Django admin for webhooks: endpoints are configured here; the delivery log is read-only.

The log is the record of what was sent, when and with what answer, which is what an admin
needs when a publisher asks "did you send it?". Editing it would make it useless for that,
so it has no add, change or delete.
"""


from django import forms
from django.contrib import admin

from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.integrations import webhooks
from belowtheline.integrations.destinations import destination_problem
from belowtheline.integrations.models import EVENTS, WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https",
                         help_text="Receives a POST for each event. Redirects are not followed.")
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in EVENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events sent to this URL.",
    )
    secret = forms.CharField(
        required=False, max_length=100,
        help_text="Signs every delivery (HMAC-SHA256). Leave blank to have one generated; "
                  "give it to the receiving system so it can verify signatures.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["site", "url", "events", "secret", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        problem = destination_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_secret(self) -> str:
        return self.cleaned_data.get("secret", "").strip() or webhooks.new_secret()


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "site", "event_list", "active", "created_at"]
    list_filter = ["site", "active"]
    search_fields = ["url"]
    list_select_related = ["site"]

    @admin.display(description="Events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "site", "event", "endpoint_url", "status", "attempts",
                    "last_status_code", "next_attempt_at", "delivered_at"]
    list_filter = ["site", "status", "event"]
    search_fields = ["endpoint__url", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["site", "endpoint"]
    readonly_fields = ["site", "endpoint", "event", "status", "attempts", "created_at",
                       "next_attempt_at", "delivered_at", "last_status_code", "last_error",
                       "payload"]

    @admin.display(description="Endpoint", ordering="endpoint__url")
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return delivery.endpoint.url
