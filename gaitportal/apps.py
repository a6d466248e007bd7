from django.contrib.admin.apps import AdminConfig


class GaitPortalAdminConfig(AdminConfig):
    """Django's admin with the site that checks institution roles instead of is_staff."""

    default_site = "gaitportal.admin_site.GaitPortalAdminSite"
