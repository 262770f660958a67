"""Django's admin app with Ticketry's admin site (kept apart: app configs load before models)."""

from django.contrib.admin.apps import SimpleAdminConfig


class TicketryAdminConfig(SimpleAdminConfig):
    default_site = "ticketry.agent.admin_site.TicketryAdminSite"
