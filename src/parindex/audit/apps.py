from django.apps import AppConfig


class Config(AppConfig):
    name = "parindex.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
