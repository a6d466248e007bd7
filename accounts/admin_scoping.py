"""ModelAdmin base for tenant-owned models: the request's institution, and what its role allows."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.roles import Capability


class TenantAdmin(admin.ModelAdmin):
    """Rows of the member's institution only (superusers: all, explicitly); role-checked.

    Querysets are scoped by the tenant manager for the request's institution; the institution of
    a new row is set from the request and is not editable by members.
    """

    view_capability = Capability.VIEW
    change_capability = Capability.MANAGE_PEOPLE

    def _can(self, request: HttpRequest, capability: Capability) -> bool:
        actor = getattr(request, "actor", None)
        return request.user.is_superuser or (actor is not None and actor.can(capability))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.view_capability)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can(request, self.view_capability)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.change_capability)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can(request, self.change_capability)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can(request, self.change_capability)

    def get_list_display(self, request: HttpRequest):
        display = super().get_list_display(request)
        if request.user.is_superuser and "institution" not in display:
            return [*display, "institution"]
        return display

    def get_list_filter(self, request: HttpRequest):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return [*filters, "institution"]
        return filters

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and request.user.is_superuser:
            readonly.append("institution")
        return readonly

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        base_form = super().get_form(request, obj, **kwargs)
        institution = getattr(request, "institution", None)

        class TenantForm(base_form):
            """Sets the institution before validation so per-institution uniqueness is checked."""

            def __init__(self, *args, **form_kwargs) -> None:
                super().__init__(*args, **form_kwargs)
                if self.instance.institution_id is None and institution is not None:
                    self.instance.institution = institution

            def _get_validation_exclusions(self):
                exclusions = super()._get_validation_exclusions()
                exclusions.discard("institution")
                return exclusions

        return TenantForm

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        if not change and obj.institution_id is None:
            obj.institution = request.institution
        super().save_model(request, obj, form, change)
