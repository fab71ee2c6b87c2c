"""Where a webhook may be sent: the public internet only.

A webhook URL is typed by a site admin and fetched by our server, so without this check
anyone with admin rights could make the server POST to its own loopback services, the
private network behind it or a cloud metadata address (server-side request forgery). The
check runs when the URL is saved and again before every delivery, since a name can be
pointed somewhere else after it was saved. BTL_WEBHOOK_ALLOW_PRIVATE=1 lifts it for
development, where the receiver runs on the same machine.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_private or address.is_reserved or address.is_unspecified \
            or address.is_multicast or not address.is_global:
        return "a private or reserved address"
    return None


def destination_problem(url: str) -> str | None:
    """Why a webhook may not go to `url`, in words for the admin; None when it may."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs can receive webhooks."
    if not parts.hostname:
        return "The URL has no host name."
    if getattr(settings, "BTL_WEBHOOK_ALLOW_PRIVATE", False):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        return f"{parts.hostname} cannot be resolved ({error})."
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        why = _refusal(address)
        if why:
            return (f"{parts.hostname} resolves to {address}, {why}: webhooks go only to "
                    "public addresses (BTL_WEBHOOK_ALLOW_PRIVATE=1 allows others for "
                    "development).")
    return None
