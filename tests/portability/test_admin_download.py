"""Site admins download their site's export from the admin; nobody else can, and every
download is on the record."""

import gzip
import json

import pytest
from django.urls import reverse

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion import services
from belowtheline.portability.models import SiteTransfer, TransferIsAppendOnly
from tests.accounts.factories import UserFactory

DOWNLOAD = "admin:portability_download"


def staff(site, role, username):
    user = UserFactory(username=username, is_staff=True)
    StaffRole.objects.create(site=site, user=user, role=role)
    return user


@pytest.fixture
def with_a_thread(site, article, subscriber):
    services.post_comment(site=site, article=article, author=subscriber, text="Hello <b>")
    return site


def test_a_site_admin_downloads_the_export_and_it_is_recorded(client, with_a_thread, site):
    admin = staff(site, "admin", "ada")
    client.force_login(admin)
    form = client.get(reverse(DOWNLOAD))
    assert form.status_code == 200
    assert "The Test Gazette" in form.content.decode()
    response = client.post(reverse(DOWNLOAD), {"site": site.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"].startswith('attachment; filename="btl-export-gazette')
    assert "no-store" in response["Cache-Control"]
    lines = gzip.decompress(b"".join(response.streaming_content)).splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["site"] == "gazette"
    assert [r["text"] for r in records if r["type"] == "comment"] == ["Hello <b>"]
    assert records[-1]["type"] == "end"
    transfer = SiteTransfer.objects.get()
    assert (transfer.kind, transfer.actor, transfer.via) == ("export", admin, "admin")
    # The record lists in the admin, and cannot be changed there or anywhere.
    listing = client.get(reverse("admin:portability_sitetransfer_changelist"))
    assert "ada" in listing.content.decode()
    transfer.via = "nobody"
    with pytest.raises(TransferIsAppendOnly):
        transfer.save()


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_moderators_and_editors_cannot_download(client, with_a_thread, site, role):
    client.force_login(staff(site, role, f"{role}1"))
    assert client.get(reverse(DOWNLOAD)).status_code == 403
    assert client.post(reverse(DOWNLOAD), {"site": site.pk}).status_code == 403
    assert not SiteTransfer.objects.exists()


def test_another_sites_admin_cannot_download_this_site(client, with_a_thread, site,
                                                       other_site):
    client.force_login(staff(other_site, "admin", "otto"))
    response = client.post(reverse(DOWNLOAD), {"site": site.pk})
    assert response.status_code == 400  # not among the sites they may choose
    assert "The Test Gazette" not in response.content.decode()
    assert not SiteTransfer.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, with_a_thread, site):
    response = client.post(reverse(DOWNLOAD), {"site": site.pk})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not SiteTransfer.objects.exists()


def test_the_form_needs_its_csrf_token(with_a_thread, site):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff(site, "admin", "ada"))
    assert strict.post(reverse(DOWNLOAD), {"site": site.pk}).status_code == 403
    assert not SiteTransfer.objects.exists()
