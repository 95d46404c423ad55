from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from selfreg.models import (
    ApiToken,
    AreaGrouping,
    Council,
    GroupingMembership,
    Role,
    RoleRequest,
    User,
)
from selfreg.tokens import api_token_create


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed by prefix only: the key itself is shown once, when it is made."""

    list_display = ["prefix", "name", "user", "read_only", "council", "created_at", "last_used_at"]
    search_fields = ["prefix", "name", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["user", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = api_token_create(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        obj._state.adding = False
        messages.warning(
            request,
            f"The new token is {key} . Copy it now: only its hash is kept, so it cannot be "
            "shown again.",
        )


@admin.register(RoleRequest)
class RoleRequestAdmin(admin.ModelAdmin):
    """Requests are decided on the portal's own pages, where the rules are checked; here
    they are only read."""

    list_display = ["user", "kind", "council", "status", "created_at", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["user__email", "council__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
