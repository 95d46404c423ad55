from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from earlywarning.models import RecordedSignal, SignalType


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
