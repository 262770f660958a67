from dataclasses import dataclass

import pytest
from django.db import transaction

from ticketry.core import events
from ticketry.core.events import DomainEvent, publish, record_events, subscribe


@dataclass(frozen=True, slots=True, kw_only=True)
class Happened(DomainEvent):
    value: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HappenedLoudly(Happened):
    pass


@pytest.fixture
def seen():
    calls: list[tuple[str, int]] = []

    def after(event):
        calls.append(("after", event.value))

    def durable(event):
        calls.append(("durable", event.value))

    subscribe(Happened)(after)
    subscribe(Happened, durable=True)(durable)
    yield calls
    events._after_commit[Happened].remove(after)
    events._durable[Happened].remove(durable)


@pytest.mark.django_db(transaction=True)
def test_durable_handlers_run_inside_and_others_after_commit(seen):
    with transaction.atomic():
        publish(HappenedLoudly(value=1))
        assert seen == [("durable", 1)]
    assert seen == [("durable", 1), ("after", 1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_runs_after_a_rollback(seen):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(Happened(value=2))
        raise RuntimeError
    assert seen == [("durable", 2)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_does_not_stop_the_others(seen):
    def broken(event):
        raise ValueError("boom")

    subscribe(Happened)(broken)
    events._after_commit[Happened].insert(0, events._after_commit[Happened].pop())
    try:
        with transaction.atomic():
            publish(Happened(value=3))
    finally:
        events._after_commit[Happened].remove(broken)
    assert ("after", 3) in seen


def test_record_events_collects_what_was_published(db):
    with record_events() as recorded:
        publish(Happened(value=4))
    assert recorded == [Happened(value=4)]
