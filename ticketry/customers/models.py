"""Customer users and the companies they belong to (OTRS `customer_user`,
`customer_company`, `customer_user_customer`)."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketry.core.actor import Actor
from ticketry.core.validity import validity_field


class CustomerCompany(models.Model):
    """A customer organisation, keyed by its customer ID as in OTRS."""

    customer_id = models.CharField(_("customer ID"), max_length=150, unique=True)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    zip = models.CharField(_("ZIP"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=200, blank=True)
    url = models.CharField(_("URL"), max_length=200, blank=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = validity_field()
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("customer company")
        verbose_name_plural = _("customer companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerUser(models.Model):
    """A person who asks for help. `customer_id` is the primary company; more companies
    come through `CustomerUserCompany`."""

    login = models.CharField(_("login"), max_length=200, unique=True)
    email = models.EmailField(_("email"), max_length=150, db_index=True)
    customer_id = models.CharField(_("customer ID"), max_length=150, db_index=True)
    title = models.CharField(_("title or salutation"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=150, blank=True)
    mobile = models.CharField(_("mobile"), max_length=150, blank=True)
    street = models.CharField(_("street"), max_length=150, blank=True)
    zip = models.CharField(_("ZIP"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=200, blank=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    password = models.CharField(_("password"), max_length=128, blank=True)
    valid = validity_field()
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    companies = models.ManyToManyField(
        CustomerCompany,
        through="CustomerUserCompany",
        related_name="members",
        blank=True,
        verbose_name=_("further companies"),
    )

    class Meta:
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")
        ordering = ["login"]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>" if name else self.login

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)

    @property
    def actor(self) -> Actor:
        return Actor.customer(self.pk, self.login)


class CustomerUserCompany(models.Model):
    """Membership of a customer user in a company besides the primary one (OTRS 6)."""

    customer_user = models.ForeignKey(CustomerUser, on_delete=models.CASCADE)
    company = models.ForeignKey(CustomerCompany, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("customer user company")
        verbose_name_plural = _("customer user companies")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_user", "company"], name="uniq_customer_user_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_user} / {self.company}"
