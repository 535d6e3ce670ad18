from django.apps import AppConfig


class Config(AppConfig):
    name = "parindex.results"
    label = "results"
    default_auto_field = "django.db.models.BigAutoField"
