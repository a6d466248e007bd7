"""API errors: Django ValidationErrors raised by services become 400s with their messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.tenancy import TenantScopeError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, TenantScopeError):
        # No institution is bound to this request: a credential without a membership.
        exc = exceptions.PermissionDenied("No institution is selected for this request.")
    return drf_exception_handler(exc, context)
