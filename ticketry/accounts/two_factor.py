"""Whether a signed-in session has passed the second factor its agent asks for."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django_otp import user_has_device


def lacks_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True for a signed-in agent with a confirmed two-factor device whose session no token
    verified: whichever way the session came about, it must not be accepted."""
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return user_has_device(user, confirmed=True)
