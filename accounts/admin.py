from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.admin_scoping import TenantAdmin
from accounts.admin_writes import ServiceWritesAdmin
from accounts.models import APIKey, Institution, Invitation, Membership, Person, Unit, User
from accounts.roles import Capability


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Sign-ins are managed by superusers; institution admins manage memberships."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=getattr(request.institution, "pk", None))

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser or request.actor.can(Capability.MANAGE_SETTINGS)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["slug", "kind"]


@admin.register(Membership)
class MembershipAdmin(ServiceWritesAdmin):
    """Membership is consent: institution admins change roles and remove members here; adding an
    existing user directly is for superusers (who administer every institution). Others invite
    through the API (POST members/), and the user accepts."""

    view_capability = Capability.MANAGE_MEMBERS
    change_capability = Capability.MANAGE_MEMBERS
    list_display = ["user", "role", "is_default", "created_at", "last_used_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    service_fields = ("role",)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def get_fields(self, request, obj=None):
        fields = ["user", "role"]
        return ["institution", *fields] if request.user.is_superuser else fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "user"] if obj is not None else readonly

    def create(self, request, values, form):
        institution = form.cleaned_data.get("institution") or request.institution
        return services.membership_create(
            institution=institution, user=form.cleaned_data["user"], role=values["role"]
        )

    def update(self, request, obj, values, form):
        if "role" not in values:
            return obj
        return services.membership_update(membership=obj, role=values["role"])

    def delete(self, request, obj) -> None:
        services.membership_delete(membership=obj)


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    """Read-only history of invitations (made through the API, answered by the invitee)."""

    view_capability = Capability.MANAGE_MEMBERS
    change_capability = Capability.MANAGE_MEMBERS
    list_display = ["invitee", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["invitee__username"]
    fields = [
        "invitee",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "declined_at",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(TenantAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["instructors"]

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "kind", "instructors"]
        return ["institution", *fields] if request.user.is_superuser else fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "instructors" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(
                memberships__institution=request.institution
            ).distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


PERSON_FIELDS = ("external_id", "first_name", "last_name", "kind", "email", "is_active", "units")


class PersonAdminForm(forms.ModelForm):
    consent_note = forms.CharField(
        required=False,
        max_length=500,
        label="Consent note",
        help_text="When consent is recorded or withdrawn: how (signed form, email...). It goes "
        "to the person's history with who and when.",
    )

    class Meta:
        model = Person
        fields = [*PERSON_FIELDS, "consent_given"]


@admin.register(Person)
class PersonAdmin(ServiceWritesAdmin):
    """People are written by accounts.services; consent only by person_consent_record."""

    form = PersonAdminForm
    list_display = ["external_id", "last_name", "first_name", "kind", "is_active", "consent_given"]
    list_filter = ["kind", "is_active", "consent_given", "units"]
    search_fields = ["external_id", "first_name", "last_name", "email"]
    filter_horizontal = ["units"]
    service_fields = PERSON_FIELDS

    def get_fields(self, request, obj=None):
        fields = [
            *self.service_fields,
            "consent_given",
            "consent_note",
            "consent_recorded_at",
        ]
        return ["institution", *fields] if request.user.is_superuser else fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "consent_recorded_at"]

    def create(self, request, values, form):
        institution = form.cleaned_data.get("institution") or request.institution
        person = services.person_create(institution=institution, **values)
        if form.cleaned_data.get("consent_given"):
            self._consent(request, person, form)
        return person

    def update(self, request, obj, values, form):
        person = services.person_update(person=obj, **values) if values else obj
        if "consent_given" in form.changed_data:
            self._consent(request, person, form)
        return person

    def _consent(self, request, person: Person, form) -> None:
        services.person_consent_record(
            person=person,
            given=bool(form.cleaned_data.get("consent_given")),
            actor=self.actor(request),
            note=form.cleaned_data.get("consent_note", ""),
        )

    def delete(self, request, obj) -> None:
        services.person_delete(person=obj, actor=self.actor(request))


@admin.register(APIKey)
class APIKeyAdmin(TenantAdmin):
    view_capability = Capability.MANAGE_MEMBERS
    change_capability = Capability.MANAGE_MEMBERS
    list_display = ["name", "role", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "role", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        # The secret must be shown once when created: keys are made in the API or the portal.
        return False
