from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _cache_table(**kwargs: Any) -> None:
    """The database cache's table (CACHE_URL=db), with every `migrate` (demo, deployments,
    tests); nothing for other caches, nothing when it exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)


class Config(AppConfig):
    name = "parindex.results"
    label = "results"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_cache_table, sender=self, dispatch_uid="parindex.cache_table")
