from django.apps import AppConfig


class Config(AppConfig):
    name = "parindex.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
