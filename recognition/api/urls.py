"""Recognition API routes, mounted at /api/v1/recognition/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from recognition.api import views

router = SimpleRouter()
router.register("samples", views.SampleViewSet, basename="recognition-sample")
router.register("recognitions", views.RecognitionViewSet, basename="recognition-recognition")
router.register("model-versions", views.ModelVersionViewSet, basename="recognition-model-version")
router.register("access-log", views.AccessLogViewSet, basename="recognition-access-log")

urlpatterns = [
    path("calibration/", views.CalibrationView.as_view(), name="recognition-calibration"),
    path("settings/", views.RecognitionSettingsView.as_view(), name="recognition-settings"),
    path("adapt/", views.AdaptView.as_view(), name="recognition-adapt"),
    path(
        "people/<int:person_id>/enrolment/",
        views.PersonEnrolmentView.as_view(),
        name="recognition-person-enrolment",
    ),
    path(
        "people/<int:person_id>/erase/",
        views.PersonEraseView.as_view(),
        name="recognition-person-erase",
    ),
    *router.urls,
]
