"""ModelAdmin base whose every write goes through the app's services.

The admin is one more door: adding, changing and deleting call the same service functions as
the API and the pages, so the same rules, validation and audit apply. A form is validated by a
trial run of its service call inside a savepoint that is always rolled back, so a rule the
service enforces shows as a form error (never a 500, never a silent "saved").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from accounts.admin_scoping import TenantAdmin


class _TrialRun(Exception):
    """Raised inside the savepoint of a trial write, so that it is rolled back."""


def form_add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's ValidationError onto a form: per field where the form has it, else general."""
    if hasattr(error, "error_dict"):
        for name, field_errors in error.error_dict.items():
            target = name if name in form.fields else None
            if name == NON_FIELD_ERRORS:
                target = None
            form.add_error(target, ValidationError(field_errors))
    else:
        form.add_error(None, error)


class ServiceWritesAdmin(TenantAdmin):
    """Subclasses say how to create, update and delete through their services.

    `service_fields` are the form fields handed to the service (on a change, only those
    changed). Many-to-many fields are written by the service, not by the form.
    """

    service_fields: tuple[str, ...] = ()

    def actor(self, request: HttpRequest):
        return getattr(request, "actor", None)

    def create(self, request: HttpRequest, values: dict[str, Any], form: BaseForm):
        raise NotImplementedError

    def update(self, request: HttpRequest, obj, values: dict[str, Any], form: BaseForm):
        raise NotImplementedError

    def delete(self, request: HttpRequest, obj) -> None:
        raise NotImplementedError

    def service_values(self, form: BaseForm, change: bool) -> dict[str, Any]:
        names = [name for name in self.service_fields if name in form.cleaned_data]
        if change:
            names = [name for name in names if name in form.changed_data]
        return {name: form.cleaned_data[name] for name in names}

    def write(self, request: HttpRequest, form: BaseForm, change: bool, *, trial: bool = False):
        """Call the service for this form; returns the saved row.

        trial: the validating run, rolled back afterwards (leave out what a rollback cannot
        undo, such as storing an uploaded file).
        """
        values = self.service_values(form, change)
        if change:
            fresh = self.model._default_manager.get(pk=form.instance.pk)
            return self.update(request, fresh, values, form)
        return self.create(request, values, form)

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        base_form = super().get_form(request, obj, **kwargs)
        model_admin, change = self, obj is not None

        class ServiceCheckedForm(base_form):
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin.write(request, self, change, trial=True)
                        raise _TrialRun
                except _TrialRun:
                    pass
                except ValidationError as error:
                    form_add_service_errors(self, error)

        return ServiceCheckedForm

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        saved = self.write(request, form, change)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change) -> None:
        for formset in formsets:  # many-to-many fields were written by the service
            self.save_formset(request, form, formset, change=change)

    # Deleting: one by one through the service; what it refuses stays, with the reason shown.

    def delete_model(self, request: HttpRequest, obj) -> None:
        self._delete_one(request, obj)

    def _delete_one(self, request: HttpRequest, obj) -> bool:
        try:
            with transaction.atomic():
                self.delete(request, obj)
        except ValidationError as error:
            request._service_refusals = [*getattr(request, "_service_refusals", []), obj]
            messages.error(request, f"{obj} was not deleted: {' '.join(error.messages)}")
            return False
        return True

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        deleted = sum(self._delete_one(request, obj) for obj in list(queryset))
        if getattr(request, "_service_refusals", None):
            messages.success(request, f"{deleted} deleted.")

    def response_delete(self, request: HttpRequest, obj_display, obj_id):
        if getattr(request, "_service_refusals", None):
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )
        return super().response_delete(request, obj_display, obj_id)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs) -> None:
        refused = getattr(request, "_service_refusals", None)
        if refused and level == messages.SUCCESS and str(message).startswith("Successfully"):
            return  # the bulk delete's count would include what the service refused
        super().message_user(request, message, level, *args, **kwargs)
