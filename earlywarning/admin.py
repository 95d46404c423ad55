"""Only the signal catalogue is in the admin.

Recorded signals, corporate changes, risk assessments and alerts are confidential to sector
staff, and every view of them is audited (`SignalView`). The admin's lists, searches and
history pages would show them unaudited (searching the evidence text alone would reveal
it), so they are kept out of it: they are read and changed only through the early-warning
pages, which audit and check access.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from earlywarning.models import SignalType


@admin.register(SignalType)
class SignalTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "source", "default_weight", "half_life_months"]
    list_filter = ["category", "source"]
    search_fields = ["code", "name"]
