from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "ticketry.mail"
    label = "mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        from . import notifications, settings  # noqa: F401  (subscribe, register settings)
        from .postmaster_config import WATCHED_MODELS, forget

        for model in WATCHED_MODELS:
            post_save.connect(forget, sender=model, dispatch_uid=f"mail-config-{model}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"mail-config-{model}-del")
