from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework import serializers


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id looked up in the current tenant scope when the request is validated.

    Tenant managers fail closed, so the queryset cannot be built when the serializer class is
    defined; another institution's ids then answer "does not exist", like unknown ids.
    """

    def __init__(self, model: type[Model], **kwargs) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.model.objects.all()
