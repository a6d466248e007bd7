"""Input and output shapes of the accounts API."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from accounts.api.fields import TenantPrimaryKeyRelatedField
from accounts.models import APIKey, Institution, Invitation, Membership, Person, Unit, User
from accounts.roles import Role


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "time_zone",
            "raw_video_retention_days",
            "created_at",
        ]
        read_only_fields = ["id", "slug", "kind", "created_at"]


class MembershipSummarySerializer(serializers.ModelSerializer):
    institution = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["institution", "institution_name", "role", "is_default"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_superuser = serializers.BooleanField()
    institution = InstitutionSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    memberships = MembershipSummarySerializer(many=True)


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email"]


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at", "last_used_at"]
        read_only_fields = ["id", "user", "created_at", "last_used_at"]


class MemberCreateSerializer(serializers.Serializer):
    """Invite an existing user by username (they accept it), or create a sign-in for a new one.

    e-mail, names and password are used only when a new sign-in is created.
    """

    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(required=False, write_only=True, allow_blank=True)

    def validate_password(self, value: str) -> str:
        if value:
            validate_password(value)
        return value


class InstitutionMemberField(serializers.PrimaryKeyRelatedField):
    """A user id among the current institution's members (others answer "does not exist")."""

    def get_queryset(self):
        institution = self.context["request"].institution
        return User.objects.filter(memberships__institution=institution)


class UnitSerializer(serializers.ModelSerializer):
    instructors = InstitutionMemberField(many=True, required=False)
    people_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "instructors", "people_count", "created_at"]
        read_only_fields = ["id", "created_at"]


class PersonSerializer(serializers.ModelSerializer):
    units = TenantPrimaryKeyRelatedField(Unit, many=True, required=False)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "external_id",
            "first_name",
            "last_name",
            "full_name",
            "kind",
            "email",
            "is_active",
            "units",
            "consent_given",
            "consent_recorded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness of external_id per institution is checked by the service (full_clean).
        validators: list = []


class PeopleImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV file, UTF-8, header row required.")
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)


class APIKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = APIKey
        fields = ["id", "name", "role", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it safely.")

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "key"]


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as the inviting institution sees it: nothing of the user beyond the name
    it typed, until they accept."""

    username = serializers.CharField(source="invitee.username", read_only=True)
    invited_by = serializers.CharField(
        source="invited_by.username", read_only=True, allow_null=True, default=None
    )
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "username",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "declined_at",
            "revoked_at",
        ]
        read_only_fields = fields


class MyInvitationSerializer(serializers.ModelSerializer):
    """An invitation as its invitee sees it; `token` names it in the accept/decline URLs."""

    institution = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    invited_by = serializers.CharField(
        source="invited_by.username", read_only=True, allow_null=True, default=None
    )
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "token",
            "institution",
            "institution_name",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields


class DefaultInstitutionSerializer(serializers.Serializer):
    institution = serializers.CharField(
        max_length=80, help_text="Id or slug of one of your institutions."
    )
