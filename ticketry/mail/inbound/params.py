"""The values the PostMaster decides on: the mail's headers, OTRS's X-OTRS headers (from
trusted sources only), what filters set, and derived values (OTRS's `GetParam`)."""

from __future__ import annotations

import re

from ..addresses import address_of
from ..parsing import ParsedMessage

X_OTRS = "x-otrs"
LOOP_HEADERS = ("Mailing-List", "Precedence", "X-Loop", "X-No-Loop", "X-OTRS-Loop")
SENDER_TYPES = {"agent", "system", "customer"}
_YES = re.compile(r"yes|true", re.IGNORECASE)


class MailParams:
    """Case-insensitive header values. Filters and X-OTRS headers change them; the
    message itself stays as received."""

    def __init__(self, parsed: ParsedMessage, *, trusted: bool) -> None:
        self.parsed = parsed
        self.trusted = trusted
        self._values: dict[str, str] = {}
        for key, value in parsed.first_values().items():
            if key.startswith(X_OTRS) and not trusted:
                continue
            # A NUL from a broken mail cannot be stored or looked up in PostgreSQL.
            self._values[key] = value.replace("\x00", "")
        self._values["body"] = parsed.body_text.replace("\x00", "")
        self._derive()

    def _derive(self) -> None:
        loop = any(self.get(name) for name in LOOP_HEADERS) or self.get(
            "Auto-Submitted"
        ).lower().startswith("auto-")
        if loop:
            self.set("X-OTRS-Loop", "yes")
        self.set("X-Sender", address_of(self.get("From")))
        for name in ("X-OTRS-SenderType", "X-OTRS-FollowUp-SenderType"):
            if self.get(name).strip().lower() not in SENDER_TYPES:
                self.set(name, "customer")
        for name in ("X-OTRS-IsVisibleForCustomer", "X-OTRS-FollowUp-IsVisibleForCustomer"):
            if self.get(name).strip() not in {"0", "1"}:
                self.set(name, "1")

    def get(self, name: str) -> str:
        return self._values.get(name.lower(), "")

    def set(self, name: str, value: str) -> None:
        self._values[name.lower()] = value

    def names(self) -> list[str]:
        return list(self._values)

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """Values whose header name starts with `prefix` (case-insensitive), keyed by the rest."""
        prefix = prefix.lower()
        return {
            name[len(prefix) :]: value
            for name, value in self._values.items()
            if name.startswith(prefix) and value
        }

    def flag(self, name: str) -> bool:
        """OTRS's test for flag headers such as X-OTRS-Ignore: the value says yes or true."""
        return bool(_YES.search(self.get(name)))

    @property
    def sender(self) -> str:
        return self.get("X-Sender")

    @property
    def is_loop(self) -> bool:
        value = self.get("X-OTRS-Loop").strip().lower()
        return bool(value) and value not in {"false", "no"}
