from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

from . import context


def parse_ip(value: str) -> str | None:
    """One address as a proxy may write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``,
    ``2001:db8::1``. The normalised address, or None when it is not one."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        value = value[1:end] if end > 0 else ""
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has at least two colons
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])  # no IPv6 zone ids
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str, networks) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == network.version and ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address for the audit log and the login throttle.

    ``X-Forwarded-For`` is read only when the direct peer (REMOTE_ADDR) is one of
    JIGUAN_TRUSTED_PROXIES: then the right-most entry that is not itself a trusted proxy is the
    client (entries further left were written by the client and prove nothing). Anything that is not
    a valid address is never returned, so it cannot reach the audit table's address column.
    """
    remote = parse_ip(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.JIGUAN_TRUSTED_PROXIES))
    if remote is None or not networks or not _trusted(remote, networks):
        return remote
    nearest = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if not entry.strip():
            continue
        address = parse_ip(entry)
        if address is None:  # a trusted proxy wrote something that is not an address: stop here
            return nearest
        if not _trusted(address, networks):
            return address
        nearest = address
    return nearest


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and sets the acting-user context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:32] or context.new_request_id()
        request.request_id = request_id
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_for_request(
            context.ActorContext(user=user, ip=client_ip(request), request_id=request_id, channel=channel)
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
