"""The Django admin for registrars and HR, scoped to their institution and role."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest

from accounts.roles import Role

ADMIN_ROLES = frozenset({Role.ADMIN, Role.REGISTRAR})


class MemberAdminAuthenticationForm(AdminAuthenticationForm):
    """Members sign in without Django's is_staff flag; the site checks their role instead."""

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")


class GaitPortalAdminSite(admin.AdminSite):
    site_header = "GaitPortal administration"
    site_title = "GaitPortal admin"
    index_title = "Institution administration"
    login_form = MemberAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        actor = getattr(request, "actor", None)
        return actor is not None and actor.institution is not None and actor.role in ADMIN_ROLES
