"""The address a request came from, trusting forwarding headers only from configured proxies.

`X-Forwarded-For` is written by whoever sends the request: believed blindly, it lets a client
pick a new address for every try and never be throttled. Settings `TRUSTED_PROXIES` lists the
addresses or networks (CIDR) of the reverse proxies in front of the portal; empty (the default)
means no proxy is trusted and the address is always REMOTE_ADDR. Behind trusted proxies the
client is the right-most X-Forwarded-For entry that is not itself a trusted proxy (entries to its
left were written by the client and prove nothing).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address") from error
    return tuple(networks)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(meta: dict) -> str:
    """The client's address for throttles and logs (never a value the client chose freely)."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    networks = trusted_proxy_networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if _is_trusted(hop, networks):
            continue
        parsed = _parse(hop)
        # Garbage where an address should be: the proxy's own address is all we know.
        return str(parsed) if parsed is not None else remote
    return remote
