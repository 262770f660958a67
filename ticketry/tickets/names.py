"""The names of OTRS's initial configuration rows, so the catalogs translate them for display.

States, priorities, lock states, types and the like are database rows with English names, as
in OTRS. Screens show them through the translation catalog; these markers put the initial
names into it. Names an administrator adds are shown as they are written.
"""

from django.utils.translation import gettext_noop

STATE_TYPE_NAMES = (
    gettext_noop("new"),
    gettext_noop("open"),
    gettext_noop("closed"),
    gettext_noop("pending reminder"),
    gettext_noop("pending auto"),
    gettext_noop("removed"),
    gettext_noop("merged"),
)
STATE_NAMES = (
    gettext_noop("closed successful"),
    gettext_noop("closed unsuccessful"),
    gettext_noop("pending auto close+"),
    gettext_noop("pending auto close-"),
)
PRIORITY_NAMES = (
    gettext_noop("1 very low"),
    gettext_noop("2 low"),
    gettext_noop("3 normal"),
    gettext_noop("4 high"),
    gettext_noop("5 very high"),
)
LOCK_NAMES = (gettext_noop("unlock"), gettext_noop("lock"), gettext_noop("tmp_lock"))
SENDER_TYPE_NAMES = (gettext_noop("agent"), gettext_noop("system"), gettext_noop("customer"))
CHANNEL_NAMES = (
    gettext_noop("Email"),
    gettext_noop("Phone"),
    gettext_noop("Internal"),
    gettext_noop("Chat"),
)
TICKET_TYPE_NAMES = (gettext_noop("Unclassified"),)
LINK_TYPE_NAMES = (
    gettext_noop("Normal"),
    gettext_noop("ParentChild"),
    gettext_noop("Parent"),
    gettext_noop("Child"),
)
