"""DRF throttles that identify anonymous clients by accounts.client_address.

DRF's own get_ident believes X-Forwarded-For from anyone unless NUM_PROXIES is set; ours trusts
it only from settings.TRUSTED_PROXIES.
"""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.request import Request

from accounts.client_address import client_address


class _TrustedProxyIdent:
    def get_ident(self, request: Request) -> str:
        return client_address(request.META)


class AnonRateThrottle(_TrustedProxyIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_TrustedProxyIdent, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_TrustedProxyIdent, throttling.ScopedRateThrottle):
    pass
