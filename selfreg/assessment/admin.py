"""Sector staff edit framework versions here; a version in use by an assessment is read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from selfreg.assessment.models import Framework, Theme
from selfreg.assessment.services import framework_new_version


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ("order", "code", "title", "optional", "prompts")

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "version", "published")
    list_filter = ("slug", "published")
    inlines = [ThemeInline]
    actions = ["make_new_version"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ("slug", "name", "version", "description", "scale")
        return ()

    @admin.action(description=_("Make a new version to edit"))
    def make_new_version(self, request, queryset):
        for framework in queryset:
            copy = framework_new_version(user=request.user, framework=framework)
            self.message_user(
                request,
                _("Made %(framework)s.") % {"framework": copy},
                messages.SUCCESS,
            )
