"""OPTIONS answers: DRF's metadata, safe for views that edit one implied object."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class Metadata(SimpleMetadata):
    """SimpleMetadata, except that a PUT's object check runs only when the URL names an object.

    DRF calls get_object() for any view with PUT; a view that edits the caller's own setting
    (me/default-institution/) has no id in its URL, and get_object() then fails an assertion:
    a 500 for OPTIONS.
    """

    def determine_actions(self, request, view):
        actions = {}
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                if hasattr(view, "check_permissions"):
                    view.check_permissions(view.request)
                if method == "PUT" and hasattr(view, "get_object") and lookup in view.kwargs:
                    view.get_object()
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions
