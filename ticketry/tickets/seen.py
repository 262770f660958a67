"""Which articles an agent has not seen yet (OTRS's `Seen` article flags)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Article, ArticleFlag, SenderType, Ticket

SEEN = "Seen"


def unseen_articles(ticket: Ticket | int, agent_id: int) -> QuerySet[Article]:
    """The ticket's articles without the agent's Seen flag. What an agent wrote as agent
    counts as seen by them without a flag: every reply would otherwise write one."""
    flagged = ArticleFlag.objects.filter(article=OuterRef("pk"), agent_id=agent_id, key=SEEN)
    own = Q(created_by_id=agent_id, sender_type_id=SenderType.AGENT)
    return Article.objects.filter(ticket=ticket).exclude(own).exclude(Exists(flagged))
