"""Sign-in throttle shared by the sign-in page and the API token endpoint.

Two buckets, both in the cache: attempts per client address (accounts.client_address, so a
forged X-Forwarded-For does not give a fresh bucket) and failed attempts per account (so
guessing one account's password from many addresses is slowed too). Failures only count against
an account, so nobody can lock a user out by signing in correctly as themselves, and a wrong
guess costs the guesser the same as the owner. Rates: settings SIGN_IN_RATE_PER_ADDRESS and
SIGN_IN_FAILURES_PER_ACCOUNT ("N/s|min|hour|day", as DRF writes rates).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.client_address import client_address

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/min' -> (20, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


class _Bucket:
    """A sliding-window count of events under one cache key."""

    def __init__(self, kind: str, ident: str, rate: str) -> None:
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        self.key = f"sign-in:{kind}:{digest}"
        self.limit, self.window = parse_rate(rate)

    def _history(self, now: float) -> list[float]:
        return [t for t in cache.get(self.key, []) if t > now - self.window]

    def wait(self, now: float) -> float | None:
        history = self._history(now)
        if len(history) < self.limit:
            return None
        return max(1.0, self.window - (now - history[0]))

    def add(self, now: float) -> None:
        cache.set(self.key, [*self._history(now), now], self.window)


@dataclass
class SignInThrottle:
    """One sign-in attempt: check before checking the password, then record how it went."""

    address: str
    username: str

    @classmethod
    def for_request(cls, request: HttpRequest, username: object) -> SignInThrottle:
        name = username if isinstance(username, str) else ""
        return cls(address=client_address(request.META), username=name.strip().casefold())

    def _buckets(self) -> tuple[_Bucket, _Bucket]:
        return (
            _Bucket("address", self.address, settings.SIGN_IN_RATE_PER_ADDRESS),
            _Bucket("account", self.username, settings.SIGN_IN_FAILURES_PER_ACCOUNT),
        )

    def wait(self) -> float | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        now = time.time()
        waits = [w for w in (bucket.wait(now) for bucket in self._buckets()) if w is not None]
        return max(waits) if waits else None

    def attempted(self) -> None:
        self._buckets()[0].add(time.time())

    def failed(self) -> None:
        self._buckets()[1].add(time.time())
