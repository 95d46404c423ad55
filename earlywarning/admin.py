from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from earlywarning.models import (
    Alert,
    AlertEvent,
    CorporateEvent,
    RecordedSignal,
    RiskAssessment,
    SignalType,
)


@admin.register(SignalType)
class SignalTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "source", "default_weight", "half_life_months"]
    list_filter = ["category", "source"]
    search_fields = ["code", "name"]


@admin.register(RecordedSignal)
class RecordedSignalAdmin(SimpleHistoryAdmin):
    list_display = ["council", "signal_type", "observed_on", "severity", "recorded_by"]
    list_filter = ["signal_type__category", "severity"]
    search_fields = ["council__name", "council__gss_code", "evidence"]
    autocomplete_fields = ["council"]


@admin.register(CorporateEvent)
class CorporateEventAdmin(SimpleHistoryAdmin):
    list_display = ["council", "kind", "occurred_on", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["council__name", "council__gss_code", "description"]
    autocomplete_fields = ["council"]


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = ["council", "as_of", "band", "score"]
    list_filter = ["band", "as_of"]
    search_fields = ["council__name", "council__gss_code"]
    readonly_fields = [f.name for f in RiskAssessment._meta.fields]


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    readonly_fields = ["kind", "from_state", "to_state", "text", "user", "at"]
    can_delete = False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["council", "band", "state", "assignee", "opened_at"]
    list_filter = ["state", "band", "reason"]
    search_fields = ["council__name", "council__gss_code"]
    inlines = [AlertEventInline]
    readonly_fields = ["council", "reason", "summary", "band", "band_rank", "categories"]
