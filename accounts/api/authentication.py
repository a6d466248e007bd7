"""API keys for devices and integrations: `Authorization: Api-Key <key>`."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import APIKey


class APIKeyPrincipal:
    """Stands in for request.user when a device or integration calls with an API key."""

    is_authenticated = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    is_active = True

    def __init__(self, api_key: APIKey) -> None:
        self.api_key = api_key
        self.pk = f"api-key-{api_key.pk}"  # distinct throttle bucket per key
        self.username = f"api-key:{api_key.name}"

    def __str__(self) -> str:
        return self.username

    def get_username(self) -> str:
        return self.username


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[APIKeyPrincipal, APIKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Api-Key header.")
        raw_key = header[1].decode(errors="replace")
        prefix = raw_key.split(".", 1)[0]
        api_key = APIKey.unscoped.select_related("institution").filter(prefix=prefix).first()
        if api_key is None or not api_key.matches(raw_key):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not api_key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if api_key.last_used_at is None or (timezone.now() - api_key.last_used_at).seconds > 60:
            api_key.touch()  # at most once a minute per key: no write on every request
        return APIKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.APIKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a device or integration key bound to one institution.",
        }
