from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from accounts import views
from accounts.forms import ThrottledAuthenticationForm
from accounts.views import people, settings, units

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", views.switch_institution, name="switch-institution"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_edit, name="person-new"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person-edit"),
    path("people/<int:pk>/consent/", people.person_consent, name="person-consent"),
    path("units/", units.unit_list, name="units"),
    path("units/new/", units.unit_edit, name="unit-new"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit-edit"),
    path("settings/", settings.institution_settings, name="institution-settings"),
    path("invitations/", views.my_invitations, name="my-invitations-page"),
    re_path(
        r"^invitations/(?P<token>[A-Za-z0-9_-]{1,64})/answer/$",
        views.invitation_answer,
        name="invitation-answer",
    ),
    path("default-institution/", views.default_institution_choose, name="default-institution"),
]
