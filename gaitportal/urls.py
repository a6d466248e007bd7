from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from attendance.urls import report_urlpatterns
from gaitportal.api.root import APIRootView
from gaitportal.views import dashboard, dashboard_today

api_v1 = [
    path("", APIRootView.as_view(), name="api-root"),
    path("", include("accounts.api.urls")),
    path("attendance/", include("attendance.api.urls")),
    path("recognition/", include("recognition.api.urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path(
        "api/docs/",
        # The split view serves its start-up script from a URL: no inline script (CSP).
        # GET only: its HTML renderer has no template for an OPTIONS answer (a 500).
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", permission_classes=[AllowAny], http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
    path("attendance/", include("attendance.urls")),
    path("reports/", include(report_urlpatterns)),
    path("recognition/", include("recognition.urls")),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/today/", dashboard_today, name="dashboard-today"),
    path("", include("accounts.urls")),
]
# Uploaded files are never served from MEDIA_URL, not even in development: they leave only
# through authorised, tenant-scoped views (e.g. attendance excuses' document/ action).
