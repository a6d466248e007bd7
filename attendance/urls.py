from django.urls import path

from attendance import views

urlpatterns = [
    path("", views.session_list, name="attendance-sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="attendance-session"),
]
