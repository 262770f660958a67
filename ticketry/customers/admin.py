from django.contrib import admin

from .models import CustomerCompany, CustomerUser, CustomerUserCompany


class CustomerUserCompanyInline(admin.TabularInline):
    model = CustomerUserCompany
    extra = 1


@admin.register(CustomerUser)
class CustomerUserAdmin(admin.ModelAdmin):
    list_display = ("login", "first_name", "last_name", "email", "customer_id", "valid")
    list_filter = ("valid",)
    search_fields = ("login", "email", "first_name", "last_name", "customer_id")
    exclude = ("password",)
    inlines = [CustomerUserCompanyInline]


@admin.register(CustomerCompany)
class CustomerCompanyAdmin(admin.ModelAdmin):
    list_display = ("customer_id", "name", "city", "valid")
    list_filter = ("valid",)
    search_fields = ("customer_id", "name")
