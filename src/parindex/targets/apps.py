from django.apps import AppConfig


class Config(AppConfig):
    name = "parindex.targets"
    label = "targets"
    default_auto_field = "django.db.models.BigAutoField"
