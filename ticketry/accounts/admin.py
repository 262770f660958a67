from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agent, AgentGroupPermission, Group, Role, RoleGroupPermission


class AgentGroupPermissionInline(admin.TabularInline):
    model = AgentGroupPermission
    extra = 1


class RoleGroupPermissionInline(admin.TabularInline):
    model = RoleGroupPermission
    extra = 1


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    list_display = ("login", "first_name", "last_name", "email", "valid", "is_superuser")
    list_filter = ("valid", "is_superuser")
    search_fields = ("login", "first_name", "last_name", "email")
    ordering = ("login",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "created_at", "changed_at")
    fieldsets = (
        (None, {"fields": ("login", "password")}),
        (_("Person"), {"fields": ("title", "first_name", "last_name", "email")}),
        (_("Settings"), {"fields": ("valid", "is_superuser", "language", "time_zone")}),
        (_("Dates"), {"fields": ("last_login", "created_at", "changed_at")}),
    )
    add_fieldsets = (
        (None, {"fields": ("login", "first_name", "last_name", "email", "password1", "password2")}),
    )
    inlines = [AgentGroupPermissionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "valid", "comment")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "valid", "comment")
    filter_horizontal = ("agents",)
    inlines = [RoleGroupPermissionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
