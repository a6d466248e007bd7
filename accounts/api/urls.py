from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("members", views.MemberViewSet, basename="member")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("units", views.UnitViewSet, basename="unit")
router.register("people", views.PersonViewSet, basename="person")
router.register("api-keys", views.APIKeyViewSet, basename="api-key")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/invitations/", views.MyInvitationsView.as_view(), name="my-invitations"),
    # Tokens are URL-safe base64: anything else is not found before reaching the database.
    re_path(
        r"^me/invitations/(?P<token>[A-Za-z0-9_-]{1,64})/accept/$",
        views.MyInvitationAcceptView.as_view(),
        name="my-invitation-accept",
    ),
    re_path(
        r"^me/invitations/(?P<token>[A-Za-z0-9_-]{1,64})/decline/$",
        views.MyInvitationDeclineView.as_view(),
        name="my-invitation-decline",
    ),
    path(
        "me/default-institution/",
        views.MyDefaultInstitutionView.as_view(),
        name="my-default-institution",
    ),
    path("institution/", views.CurrentInstitutionView.as_view(), name="current-institution"),
    *router.urls,
]
