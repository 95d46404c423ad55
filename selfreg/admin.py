from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from selfreg.models import AreaGrouping, Council, GroupingMembership, Role, User


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["council"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Council)
class CouncilAdmin(SimpleHistoryAdmin):
    list_display = ["name", "gss_code", "kind", "region", "end_date"]
    list_filter = ["kind", "nation", "region"]
    search_fields = ["name", "official_name", "gss_code", "la_code"]
    readonly_fields = ["la_code"]


class MembershipInline(admin.TabularInline):
    model = GroupingMembership
    extra = 0
    autocomplete_fields = ["council"]


@admin.register(AreaGrouping)
class AreaGroupingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "owner"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
