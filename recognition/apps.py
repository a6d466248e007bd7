from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = "Gait recognition"
    default_auto_field = "django.db.models.BigAutoField"
