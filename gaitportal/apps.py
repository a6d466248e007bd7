from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class GaitPortalAdminConfig(AdminConfig):
    """Django's admin with the site that checks institution roles instead of is_staff."""

    default_site = "gaitportal.admin_site.GaitPortalAdminSite"


class GaitPortalConfig(AppConfig):
    """Project-wide wiring that belongs to no domain app."""

    name = "gaitportal"
    label = "gaitportal"
    verbose_name = "GaitPortal"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from gaitportal.api import fields

        # Every ModelSerializer reads dates and times through the input policy (one place):
        # a new serializer cannot forget it.
        mapping = serializers.ModelSerializer.serializer_field_mapping
        mapping[models.DateTimeField] = fields.DateTimeField
        mapping[models.DateField] = fields.DateField
        mapping[models.TimeField] = fields.TimeField
