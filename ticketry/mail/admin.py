"""Mail accounts, postmaster filters, the inbound store (with its quarantine) and the outbound
queue in Django's admin, for superusers until the admin area exists."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .inbound import reprocess
from .models import InboundMessage, InboundStatus, MailAccount, OutboundMail, PostmasterFilter


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin):
    list_display = ("login", "host", "type", "queue", "trusted", "valid", "last_fetch_at")
    list_filter = ("type", "trusted", "valid")
    readonly_fields = ("last_fetch_at", "last_fetch_error")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostmasterFilter)
class PostmasterFilterAdmin(admin.ModelAdmin):
    list_display = ("name", "stop_after_match", "valid", "comment")
    list_filter = ("valid",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """What came in or goes out is a record: it is looked at, not edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "status",
        "outcome",
        "from_address",
        "subject",
        "ticket",
        "source",
    )
    list_filter = ("status", "outcome", "source")
    search_fields = ("subject", "from_address", "message_id")
    actions = ["process_again"]

    @admin.action(description=_("Process selected quarantined messages again"))
    def process_again(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.exclude(status=InboundStatus.PROCESSED).values_list("id", flat=True))
        if not ids:
            self.message_user(request, _("The selected messages were processed already."))
            return
        deliveries = reprocess(ids)
        still = sum(1 for delivery in deliveries if delivery.outcome == InboundStatus.QUARANTINED)
        self.message_user(
            request,
            ngettext(
                "%(count)d message processed again, %(still)d still quarantined.",
                "%(count)d messages processed again, %(still)d still quarantined.",
                len(deliveries),
            )
            % {"count": len(deliveries), "still": still},
            messages.WARNING if still else messages.SUCCESS,
        )


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "status", "attempts", "recipients", "ticket", "sent_at")
    list_filter = ("status",)
    search_fields = ("message_id",)
    exclude = ("message",)
