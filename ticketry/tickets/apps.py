from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "ticketry.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from . import settings  # noqa: F401  (registers the system settings)
        from .services.lookups import CACHED_MODELS, forget_cached_lookups

        for model in CACHED_MODELS:
            post_save.connect(forget_cached_lookups, sender=model, dispatch_uid=f"lookups-{model}")
            post_delete.connect(
                forget_cached_lookups, sender=model, dispatch_uid=f"lookups-{model}-delete"
            )
