from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from peerchallenge.models import (
    Action,
    Challenge,
    MatchingRound,
    MatchingRun,
    Peer,
    Report,
    TeamMember,
    Transition,
)


@admin.register(Peer)
class PeerAdmin(SimpleHistoryAdmin):
    list_display = ["user", "council", "role", "party", "days_offered", "accredited"]
    list_filter = ["role", "sector", "accredited"]
    search_fields = ["user__email", "user__full_name", "council__name"]
    autocomplete_fields = ["council", "conflicts"]
    raw_id_fields = ["user", "accredited_by", "nominated_by"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    readonly_fields = ["from_state", "to_state", "by", "at", "note"]
    can_delete = False


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["peer", "invited_by"]
    exclude = ["explanation"]


@admin.register(Challenge)
class ChallengeAdmin(SimpleHistoryAdmin):
    list_display = ["host", "kind", "state", "on_site_from", "round"]
    list_filter = ["state", "kind"]
    search_fields = ["host__name", "host__gss_code"]
    autocomplete_fields = ["host"]
    raw_id_fields = ["requested_by"]
    inlines = [TeamMemberInline, TransitionInline]


@admin.register(MatchingRound)
class MatchingRoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "state"]


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "round", "kind", "status", "objective", "bound", "gap", "created_at"]
    list_filter = ["status", "kind"]
    exclude = ["instance", "result", "explanations"]


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ["challenge", "state", "published_at"]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["challenge", "owner", "due", "status"]
    list_filter = ["status"]
