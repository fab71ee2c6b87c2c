"""A site admin cannot point webhooks at the server's own network (SSRF)."""

import pytest
from django.urls import reverse

from belowtheline.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.integrations import test_webhooks as shared

pytestmark = pytest.mark.usefixtures("immediate_tasks")
immediate_tasks = shared.immediate_tasks
receiver = shared.receiver
post = shared.post

INTERNAL = [
    "http://127.0.0.1:6379/",            # Redis on this machine
    "http://localhost:8000/admin/",
    "http://[::1]/hooks",
    "http://10.0.0.5/hooks",             # the private network behind the server
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[::ffff:127.0.0.1]/hooks",   # loopback spelt as IPv6
    "http://0.0.0.0:8000/",
]


@pytest.fixture
def production(settings):
    settings.BTL_WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("url", INTERNAL)
def test_the_admin_refuses_an_endpoint_on_an_internal_address(production, admin_client,
                                                               site, url):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"site": site.pk, "url": url, "events": ["comment.created"], "secret": "",
         "active": "on"},
    )
    assert response.status_code == 200
    assert "webhooks go only to public addresses" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_a_public_address_is_accepted(production, admin_client, site):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"site": site.pk, "url": "https://93.184.215.14/btl", "events": ["comment.created"],
         "secret": "", "active": "on"},
    )
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().url == "https://93.184.215.14/btl"


def test_an_endpoint_that_became_internal_is_not_sent_to(site, receiver, post, settings):
    # saved while allowed (or its name pointed elsewhere since): checked again at delivery
    shared.endpoint(site, receiver.url, ["comment.created"])
    settings.BTL_WEBHOOK_ALLOW_PRIVATE = False
    post("Long overdue.")
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert "public addresses" in delivery.last_error
