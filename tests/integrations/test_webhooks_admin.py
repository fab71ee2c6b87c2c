"""The admin's side of webhooks: endpoints are configured there, deliveries only read."""

import pytest
from django.urls import reverse

from belowtheline.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.integrations import test_webhooks as shared

post = shared.post
dead_url = shared.dead_url
pytestmark = pytest.mark.usefixtures("immediate_tasks")
immediate_tasks = shared.immediate_tasks


def test_an_admin_adds_an_endpoint_with_ticked_events_and_a_generated_secret(
    admin_client, site
):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"site": site.pk, "url": "https://hooks.example.org/btl",
         "events": ["comment.created", "report.created"], "secret": "", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = WebhookEndpoint.objects.get()
    assert hook.events == ["comment.created", "report.created"]
    assert hook.secret.startswith("whsec_")
    assert len(hook.secret) > 30

    page = admin_client.get(reverse("admin:integrations_webhookendpoint_change",
                                    args=[hook.pk]))
    assert 'type="checkbox" name="events" value="comment.held"' in page.content.decode()


def test_an_unknown_event_is_refused(admin_client, site):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"site": site.pk, "url": "https://hooks.example.org/btl", "events": ["comment.liked"]},
    )
    assert response.status_code == 200
    assert WebhookEndpoint.objects.count() == 0


def test_the_delivery_log_shows_attempts_and_errors_and_cannot_be_edited(
    admin_client, site, post, dead_url
):
    shared.endpoint(site, dead_url)
    post()
    delivery = WebhookDelivery.objects.get()
    changelist = reverse("admin:integrations_webhookdelivery_changelist")

    page = admin_client.get(changelist, {"status__exact": "pending", "event": "comment.created",
                                         "site__id__exact": site.pk})
    assert page.status_code == 200
    assert dead_url in page.content.decode()
    assert admin_client.get(changelist, {"status__exact": "delivered"}).context["cl"] \
        .result_count == 0

    detail = admin_client.get(reverse("admin:integrations_webhookdelivery_change",
                                      args=[delivery.pk])).content.decode()
    assert "Could not connect" in detail
    assert admin_client.get(reverse("admin:integrations_webhookdelivery_add")).status_code \
        == 403
    admin_client.post(reverse("admin:integrations_webhookdelivery_delete", args=[delivery.pk]),
                      {"post": "yes"})
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()
