"""Bookkeeping tables: the ticket number counter and the full-text search documents."""

from django.db import models


class TicketNumberCounter(models.Model):
    """The counter of the ticket number generators: one row holds the last counter and the
    moment it was taken (see tickets.numbers). Earlier versions and OTRS 6 wrote one row per
    requested number; such rows seed that row."""

    counter = models.BigIntegerField(default=0)
    counter_uid = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.counter} ({self.counter_uid})"


class SearchDocument(models.Model):
    """Searchable text of one article, or of the ticket itself (number and title) when
    `article` is empty. Each database indexes `content` its own way (see tickets.search)."""

    ticket = models.ForeignKey("Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.OneToOneField(
        "Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    content = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["ticket"], name="search_doc_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.article_id or '-'}"
