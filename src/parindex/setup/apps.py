from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "parindex.setup"
    label = "setup"
    verbose_name = "Thiết lập"
