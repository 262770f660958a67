"""System settings with OTRS's names (e.g. `PostmasterMaxEmails`): business configuration that
an admin changes at run time, kept in the database.

Each app registers its settings with a default and a validator at import time; `get` returns
the stored value or the default. Values are cached per process for a short time, so a change
reaches every process within `CACHE_SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .errors import InvalidValue

CACHE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    description: str | Promise
    kind: type

    def check(self, value: Any) -> Any:
        # bool is an int subclass; keep the two apart so a checkbox never becomes a number.
        if self.kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if self.kind is not int and isinstance(value, self.kind):
            return value
        raise InvalidValue(
            _("Setting “%(name)s” needs a value of type %(kind)s."),
            name=self.name,
            kind=self.kind.__name__,
        )


_registry: dict[str, Setting] = {}
_cache: dict[str, Any] = {}
_cache_loaded_at = 0.0


def register(name: str, default: Any, description: str | Promise = "") -> Setting:
    """Declare a setting; its type is the default's type."""
    if name in _registry and _registry[name].default != default:
        raise ImproperlyConfigured(f"Setting {name} is registered twice with different defaults.")
    setting = Setting(name=name, default=default, description=description, kind=type(default))
    _registry[name] = setting
    return setting


def registered() -> list[Setting]:
    return sorted(_registry.values(), key=lambda s: s.name)


def _stored() -> dict[str, Any]:
    global _cache, _cache_loaded_at
    if time.monotonic() - _cache_loaded_at > CACHE_SECONDS:
        from .models import SysConfigValue

        _cache = dict(SysConfigValue.objects.values_list("name", "value"))
        _cache_loaded_at = time.monotonic()
    return _cache


def get(name: str) -> Any:
    try:
        setting = _registry[name]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown setting {name}.") from None
    stored = _stored()
    return stored.get(name, setting.default)


def check(name: str, value: Any) -> Any:
    """The value if it suits the setting; InvalidValue otherwise."""
    if name not in _registry:
        raise InvalidValue(_("Unknown setting “%(name)s”."), name=name)
    return _registry[name].check(value)


def set_value(name: str, value: Any) -> None:
    """Store a value (None restores the default) and drop this process's cache."""
    from .models import SysConfigValue

    if value is None:
        SysConfigValue.objects.filter(name=name).delete()
    else:
        SysConfigValue.objects.update_or_create(name=name, defaults={"value": check(name, value)})
    invalidate()


def invalidate() -> None:
    global _cache_loaded_at
    _cache_loaded_at = 0.0
