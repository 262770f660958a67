from datetime import UTC, datetime

import pytest
from django.db import transaction

from ticketry.core import clock
from ticketry.core.actor import SYSTEM_AGENT_ID
from ticketry.core.errors import Conflict, InvalidValue
from ticketry.tickets import numbers
from ticketry.tickets.models import (
    LockType,
    Priority,
    Queue,
    State,
    Ticket,
    TicketNumberCounter,
    TicketType,
)
from ticketry.tickets.numbers import (
    allocate_ticket_number,
    cleanup_ticket_number_counter,
    find_ticket_numbers,
    generate_ticket_number,
    subject_ticket_hook,
    ticket_number_pattern,
)

JULY_15 = datetime(2015, 7, 15, 9, 0, tzinfo=UTC)
JULY_16 = datetime(2015, 7, 16, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def number_settings(settings):
    settings.SYSTEM_ID = "10"
    settings.TIME_ZONE = "UTC"
    settings.TICKET_NUMBER_GENERATOR = "DateChecksum"
    settings.TICKET_HOOK = "Ticket#"
    settings.TICKET_HOOK_DIVIDER = ""
    settings.TICKET_NUMBER_CHECK_SYSTEM_ID = True
    settings.TICKET_NUMBER_MIN_COUNTER_SIZE = 5
    settings.TICKET_NUMBER_DATE_FORMATTED_COUNTER = False
    return settings


def make_ticket(tn: str) -> Ticket:
    moment = clock.now()
    return Ticket.objects.create(
        tn=tn,
        title="Existing",
        queue=Queue.objects.get(name="Raw"),
        state=State.objects.get(name="new"),
        priority=Priority.objects.get(name="3 normal"),
        type=TicketType.objects.get(name="Unclassified"),
        lock=LockType.objects.get(name="unlock"),
        owner_id=SYSTEM_AGENT_ID,
        responsible_id=SYSTEM_AGENT_ID,
        created_at=moment,
        created_by_id=SYSTEM_AGENT_ID,
        changed_at=moment,
        changed_by_id=SYSTEM_AGENT_ID,
    )


def generate(count: int) -> list[str]:
    return [generate_ticket_number() for _ in range(count)]


def counter() -> int | None:
    """The last counter the counter row holds; None without a counter row."""
    row = TicketNumberCounter.objects.filter(counter_uid=numbers._COUNTER_UID)
    return row.values_list("counter", flat=True).first()


def request_row(counter: int, moment: datetime, uid: str = "a" * 32) -> None:
    """A row as earlier versions (and OTRS 6) wrote one per requested number."""
    TicketNumberCounter.objects.create(counter=counter, counter_uid=uid, created_at=moment)


def request_counters() -> list[int]:
    rows = TicketNumberCounter.objects.exclude(counter_uid=numbers._COUNTER_UID)
    return sorted(rows.values_list("counter", flat=True))


# DateChecksum


@pytest.mark.django_db
def test_date_checksum_gives_the_otrs_examples():
    clock.freeze(JULY_15)

    assert generate(2) == ["2015071510000011", "2015071510000029"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("counter", "expected"),
    [
        (1, "2015071510000011"),
        (2, "2015071510000029"),
        (10, "2015071510000109"),
        (12345, "2015071510123451"),
        (123456, "20150715101234568"),
    ],
)
def test_date_checksum_pads_the_counter_to_five_digits_and_appends_the_check_digit(
    counter, expected
):
    clock.freeze(JULY_15)
    request_row(counter - 1, JULY_15)

    assert generate_ticket_number() == expected


@pytest.mark.django_db
def test_date_checksum_ignores_the_min_counter_size(number_settings):
    number_settings.TICKET_NUMBER_MIN_COUNTER_SIZE = 8
    clock.freeze(JULY_15)

    assert generate_ticket_number() == "2015071510000011"


@pytest.mark.django_db
def test_one_counter_row_holds_the_last_counter():
    clock.freeze(JULY_15)

    generate(3)

    assert counter() == 3
    assert TicketNumberCounter.objects.count() == 1
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_clock_behind_the_counter_row_continues_its_day():
    clock.freeze(JULY_16)
    generate(1)

    clock.freeze(datetime(2015, 7, 15, 23, 59, tzinfo=UTC))

    assert generate_ticket_number() == "2015071610000027"


@pytest.mark.django_db
def test_the_first_number_continues_todays_request_rows_of_earlier_versions():
    clock.freeze(JULY_15)
    request_row(0, datetime(2015, 7, 1, tzinfo=UTC), uid="ticketry:lock")
    request_row(7, datetime(2015, 7, 14, 9, 0, tzinfo=UTC), uid="b" * 32)
    request_row(4, JULY_15)

    assert generate(2) == ["2015071510000056", "2015071510000065"]
    assert counter() == 6


@pytest.mark.django_db
def test_allocation_without_skipping_does_not_look_at_tickets():
    clock.freeze(JULY_15)
    make_ticket("2015071510000011")

    with transaction.atomic():
        assert allocate_ticket_number(skip_taken=False) == "2015071510000011"


@pytest.mark.django_db
def test_date_counter_restarts_every_day():
    clock.freeze(JULY_15)
    generate(3)

    clock.freeze(JULY_16)

    assert generate(2) == ["2015071610000018", "2015071610000027"]


@pytest.mark.django_db
def test_day_boundary_is_midnight_in_the_server_time_zone(number_settings):
    number_settings.TIME_ZONE = "Europe/Berlin"
    clock.freeze(datetime(2015, 7, 15, 21, 59, tzinfo=UTC))  # 23:59 in Berlin
    assert generate(2) == ["2015071510000011", "2015071510000029"]

    clock.freeze(datetime(2015, 7, 15, 22, 1, tzinfo=UTC))  # 00:01 on the 16th in Berlin

    assert generate_ticket_number() == "2015071610000018"


@pytest.mark.django_db
def test_works_inside_an_outer_transaction_and_rolls_back_with_it():
    clock.freeze(JULY_15)

    with pytest.raises(RuntimeError), transaction.atomic():
        assert generate_ticket_number() == "2015071510000011"
        raise RuntimeError("ticket creation failed")

    assert counter() is None
    assert generate_ticket_number() == "2015071510000011"


# Collisions with existing tickets


@pytest.mark.django_db
def test_numbers_already_used_by_tickets_are_skipped():
    clock.freeze(JULY_15)
    make_ticket("2015071510000011")
    make_ticket("2015071510000029")

    assert generate(2) == ["2015071510000038", "2015071510000047"]
    assert counter() == 4


@pytest.mark.django_db
def test_gives_up_with_conflict_after_max_tries(monkeypatch):
    monkeypatch.setattr(numbers, "MAX_TRIES", 5)
    monkeypatch.setattr(numbers, "_TRIES_PER_QUERY", 2)
    clock.freeze(JULY_15)
    for counter_and_check in ["00011", "00029", "00038", "00047", "00056"]:
        make_ticket(f"20150715100{counter_and_check}")

    with pytest.raises(Conflict, match="5 attempts"):
        generate_ticket_number()

    assert counter() is None


@pytest.mark.django_db
def test_a_free_number_just_within_max_tries_is_found(monkeypatch):
    monkeypatch.setattr(numbers, "MAX_TRIES", 3)
    monkeypatch.setattr(numbers, "_TRIES_PER_QUERY", 2)
    clock.freeze(JULY_15)
    make_ticket("2015071510000011")
    make_ticket("2015071510000029")

    assert generate_ticket_number() == "2015071510000038"


# Date


@pytest.mark.django_db
def test_date_generator_leaves_the_counter_unpadded(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "Date"
    clock.freeze(JULY_15)

    assert generate(2) == ["20150715101", "20150715102"]


@pytest.mark.django_db
def test_date_generator_pads_a_formatted_counter_to_min_counter_size(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "Date"
    number_settings.TICKET_NUMBER_DATE_FORMATTED_COUNTER = True
    clock.freeze(JULY_15)
    assert generate_ticket_number() == "201507151000001"

    number_settings.TICKET_NUMBER_MIN_COUNTER_SIZE = 7

    assert generate_ticket_number() == "20150715100000002"


@pytest.mark.django_db
def test_date_generator_restarts_every_day(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "Date"
    clock.freeze(JULY_15)
    generate(3)

    clock.freeze(JULY_16)

    assert generate_ticket_number() == "20150716101"


# AutoIncrement


@pytest.mark.django_db
def test_auto_increment_pads_to_min_counter_size(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    assert generate(2) == ["1000001", "1000002"]

    number_settings.TICKET_NUMBER_MIN_COUNTER_SIZE = 3

    assert generate_ticket_number() == "10003"


@pytest.mark.django_db
def test_auto_increment_does_not_restart_with_the_day(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    clock.freeze(JULY_15)
    generate(2)

    clock.freeze(JULY_16)

    assert generate_ticket_number() == "1000003"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("last_tn", "expected"),
    [
        ("1000041", "1000042"),
        ("10123456", "10123457"),
        ("2015071510000011", "1000001"),
        ("99000041", "1000001"),
        ("A-17", "1000001"),
    ],
)
def test_auto_increment_continues_from_the_last_ticket_when_the_table_is_empty(
    number_settings, last_tn, expected
):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    make_ticket("1000007")
    make_ticket(last_tn)

    assert generate_ticket_number() == expected


@pytest.mark.django_db
def test_auto_increment_prefers_the_counter_table_over_the_last_ticket(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    generate(1)
    make_ticket("1000050")

    assert generate_ticket_number() == "1000002"


@pytest.mark.django_db
def test_auto_increment_continues_the_highest_request_row_of_any_day(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    clock.freeze(JULY_16)
    request_row(41, JULY_15)
    request_row(9, JULY_16, uid="b" * 32)
    make_ticket("1000050")

    assert generate_ticket_number() == "1000042"


# Detection


@pytest.mark.parametrize(
    ("hook", "divider", "text", "expected"),
    [
        ("Ticket#", "", "Re: [Ticket#2015071510000011] Printer", "2015071510000011"),
        ("Ticket#", "", "RE: ticket#2015071510000011", "2015071510000011"),
        ("Ticket#", "", "Ticket#: 2015071510000011", "2015071510000011"),
        ("Ticket#", "", "Ticket#:2015071510000011", "2015071510000011"),
        ("Ticket#", "", "TICKET#:  2015071510000011", "2015071510000011"),
        ("Ticket#", "", "Ticket#:   2015071510000011", None),
        ("Ticket#", "", "Ticket# 2015071510000011", None),
        ("Ticket#", "", "2015071510000011", None),
        ("Ticket#", "", "Ticket#2015071599000011", None),
        ("Ticket#", "", "Ticket#2015071510001", None),
        ("Ticket#", ": ", "Fwd: [Ticket#: 2015071510000011]", "2015071510000011"),
        ("Ticket#", ": ", "Ticket#:2015071510000011", "2015071510000011"),
        ("Ticket#", ": ", "Ticket#2015071510000011", None),
        ("Call.", " - ", "call. - 2015071510000011", "2015071510000011"),
        ("Call.", " - ", "CallX - 2015071510000011", None),
        ("[T]", "", "[t]2015071510000011", "2015071510000011"),
    ],
)
def test_detection_pattern_knows_both_hook_variants(number_settings, hook, divider, text, expected):
    number_settings.TICKET_HOOK = hook
    number_settings.TICKET_HOOK_DIVIDER = divider

    match = ticket_number_pattern().search(text)

    assert (match.group(1) if match else None) == expected


@pytest.mark.parametrize(
    ("check_system_id", "text", "expected"),
    [
        (True, "Ticket#2015071510000011", "2015071510000011"),
        (True, "Ticket#2015071599000011", None),
        (False, "Ticket#2015071599000011", "2015071599000011"),
        (False, "Ticket#201507151000", "201507151000"),
        (False, "Ticket#20150715100", None),
    ],
)
def test_detection_of_date_checksum_numbers_checks_the_system_id_when_asked(
    number_settings, check_system_id, text, expected
):
    number_settings.TICKET_NUMBER_CHECK_SYSTEM_ID = check_system_id

    match = ticket_number_pattern().search(text)

    assert (match.group(1) if match else None) == expected


@pytest.mark.parametrize(
    ("generator", "check_system_id", "text", "expected"),
    [
        ("Date", True, "Ticket#20150715101", "20150715101"),
        ("Date", True, "Ticket#2015071510", None),
        ("Date", True, "Ticket#20150715991", None),
        ("Date", False, "Ticket#20150715991", "20150715991"),
        ("AutoIncrement", True, "Ticket#1000001", "1000001"),
        ("AutoIncrement", True, "Ticket#100001", None),
        ("AutoIncrement", True, "Ticket#9900001", None),
        ("AutoIncrement", True, "Ticket#1012345678901", "101234567890"),
        ("AutoIncrement", False, "Ticket#9900001", "9900001"),
        ("AutoIncrement", False, "Ticket#1234", None),
    ],
)
def test_detection_pattern_follows_the_generator(
    number_settings, generator, check_system_id, text, expected
):
    number_settings.TICKET_NUMBER_GENERATOR = generator
    number_settings.TICKET_NUMBER_CHECK_SYSTEM_ID = check_system_id

    match = ticket_number_pattern().search(text)

    assert (match.group(1) if match else None) == expected


def test_find_ticket_numbers_returns_each_number_once_in_order():
    text = (
        "Re: [Ticket#2015071510000029] Printer\n"
        "> Ticket#: 2015071510000011 was merged into ticket#2015071510000029.\n"
        "See also Ticket#2015071510000011 and 2015071510000038."
    )

    assert find_ticket_numbers(text) == ["2015071510000029", "2015071510000011"]


def test_find_ticket_numbers_finds_nothing_without_a_hook():
    assert find_ticket_numbers("Order 2015071510000011 shipped") == []


@pytest.mark.parametrize(
    ("divider", "expected"),
    [("", "Ticket#2015071510000011"), (": ", "Ticket#: 2015071510000011")],
)
def test_subject_ticket_hook_is_found_again(number_settings, divider, expected):
    number_settings.TICKET_HOOK_DIVIDER = divider

    hook = subject_ticket_hook("2015071510000011")

    assert hook == expected
    assert find_ticket_numbers(f"[{hook}] Printer") == ["2015071510000011"]


# Cleanup


@pytest.mark.django_db
def test_cleanup_keeps_only_todays_request_rows_for_date_generators():
    request_row(3, JULY_15)
    request_row(0, datetime(2015, 7, 1, tzinfo=UTC), uid="ticketry:lock")
    request_row(1, JULY_16, uid="b" * 32)
    request_row(2, JULY_16, uid="c" * 32)
    clock.freeze(JULY_16)

    deleted = cleanup_ticket_number_counter()

    assert deleted == 2
    assert request_counters() == [1, 2]
    assert generate_ticket_number() == "2015071610000036"


@pytest.mark.django_db
def test_cleanup_keeps_more_days_when_asked():
    request_row(1, datetime(2015, 7, 14, 9, 0, tzinfo=UTC))
    request_row(1, JULY_15, uid="b" * 32)
    request_row(2, JULY_15, uid="c" * 32)
    clock.freeze(JULY_16)

    assert cleanup_ticket_number_counter(keep_days=2) == 1
    assert request_counters() == [1, 2]


@pytest.mark.django_db
def test_cleanup_keeps_the_highest_counter_for_auto_increment(number_settings):
    number_settings.TICKET_NUMBER_GENERATOR = "AutoIncrement"
    request_row(1, JULY_15)
    request_row(3, JULY_15, uid="b" * 32)
    request_row(2, JULY_15, uid="c" * 32)
    clock.freeze(JULY_16)

    assert cleanup_ticket_number_counter() == 2
    assert request_counters() == [3]
    assert generate_ticket_number() == "1000004"


@pytest.mark.django_db
def test_cleanup_leaves_the_counter_row_alone():
    clock.freeze(JULY_15)
    generate(1)
    clock.freeze(datetime(2015, 8, 1, tzinfo=UTC))

    assert cleanup_ticket_number_counter() == 0
    assert counter() == 1


@pytest.mark.django_db
def test_cleanup_of_an_empty_table_deletes_nothing():
    assert cleanup_ticket_number_counter() == 0


@pytest.mark.django_db
def test_cleanup_refuses_less_than_one_day():
    with pytest.raises(InvalidValue):
        cleanup_ticket_number_counter(keep_days=0)
