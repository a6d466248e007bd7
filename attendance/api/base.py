"""What every attendance endpoint shares: tenant binding, the institution's time zone, 404s."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.views_base import TenantAPIMixin


class AttendanceAPIMixin(TenantAPIMixin):
    """Times are read and written in the institution's time zone (ISO 8601 with offset).

    A method a resource does not support answers 404 for rows the caller cannot see (and 405
    for those it can), so nothing reveals that another institution's row exists.
    """

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        institution = getattr(request, "institution", None)
        if institution is not None:
            timezone.activate(institution.tzinfo)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            timezone.deactivate()

    def http_method_not_allowed(self, request: Request, *args, **kwargs):
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        if lookup in kwargs and hasattr(self, "get_object"):
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)


class AttendanceModelViewSet(AttendanceAPIMixin, viewsets.ModelViewSet):
    pass


class AttendanceReadOnlyViewSet(AttendanceAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass
