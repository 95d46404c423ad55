"""The earlywarning URLs in the every-URL walk (`tests/test_url_access.py`).

TABLE: name: (kwargs, expected status by role).
POST_TABLE: name: (kwargs, data, expected status by role).

Everything but the invited conversation and the financial resilience page (published figures,
open to all) is for sector staff alone. "ALERT" is an alert about
Hartlepool whose officers are invited into the conversation; "PRIVATE" one about Darlington
whose officers are not.
"""

from tests.url_roles import ALL_OK, NOT_ALLOWED, OK, REDIRECT_LOGIN, SECTOR_ONLY, SIGNED_IN_OK

STAFF_POST_ONLY = {**SECTOR_ONLY, "sector_staff": NOT_ALLOWED}
# Sector staff, peers and the political groups' leads record soft intelligence.
RECORDERS = {**SECTOR_ONLY, "peer": OK, "political_lead": OK}
STAFF_POSTS = {**SECTOR_ONLY, "sector_staff": 302}
# The invited conversation: Hartlepool's officer and sector staff; to anyone else it does not
# exist, so its existence (and that of the alert) is never revealed.
INVITED = {
    "anonymous": REDIRECT_LOGIN,
    "officer": OK,
    "councillor": 404,
    "other_officer": 404,
    "sector_staff": OK,
    "peer": 404,
    "provider": 404,
    "political_lead": 404,
}
NOBODY_BUT_STAFF = {**INVITED, "officer": 404}

TABLE = {
    "earlywarning:index": ({}, SECTOR_ONLY),
    "earlywarning:council": ({"gss_code": "E06000001"}, SECTOR_ONLY),
    "earlywarning:record_start": ({}, RECORDERS),
    "earlywarning:record": ({"gss_code": "E06000001"}, RECORDERS),
    "earlywarning:risk": ({"gss_code": "E06000001"}, SECTOR_ONLY),
    "earlywarning:corporate": ({"gss_code": "E06000001"}, SECTOR_ONLY),
    "earlywarning:resilience": ({"gss_code": "E06000001"}, ALL_OK),
    "earlywarning:resilience_csv": ({"gss_code": "E06000001"}, ALL_OK),
    "earlywarning:queue": ({}, SECTOR_ONLY),
    "earlywarning:alert": ({"pk": "ALERT"}, SECTOR_ONLY),
    "earlywarning:alert_transition": ({"pk": "ALERT"}, STAFF_POST_ONLY),
    "earlywarning:alert_assign": ({"pk": "ALERT"}, STAFF_POST_ONLY),
    "earlywarning:alert_note": ({"pk": "ALERT"}, STAFF_POST_ONLY),
    "earlywarning:alert_support": ({"pk": "ALERT"}, STAFF_POST_ONLY),
    "earlywarning:alert_invite": ({"pk": "PRIVATE"}, STAFF_POST_ONLY),
    "earlywarning:alert_message": ({"pk": "ALERT"}, STAFF_POST_ONLY),
    "earlywarning:conversations": ({}, SIGNED_IN_OK),
    "earlywarning:conversation": ({"pk": "ALERT"}, INVITED),
}
# A second walk of the conversation page, about the council that was not invited.
PRIVATE_CONVERSATION = ({"pk": "PRIVATE"}, NOBODY_BUT_STAFF)

POST_TABLE = {
    "earlywarning:alert_note": (
        {"pk": "ALERT"},
        {"note-text": "Called the chief executive."},
        STAFF_POSTS,
    ),
    "earlywarning:alert_message": (
        {"pk": "ALERT"},
        {"message-text": "Hello.", "message-shared": "on"},
        STAFF_POSTS,
    ),
    "earlywarning:alert_invite": ({"pk": "PRIVATE"}, {}, STAFF_POSTS),
    "earlywarning:alert_transition": ({"pk": "ALERT"}, {"state": "triaged"}, STAFF_POSTS),
    # Staff return to the council's signals; peers and political leads to choose a council.
    "earlywarning:record": (
        {"gss_code": "E06000001"},
        {
            "signal_type": "SIGNAL_TYPE",
            "observed_on_0": "1",
            "observed_on_1": "3",
            "observed_on_2": "2025",
            "severity": "2",
            "evidence": "Cabinet member resigned over the budget.",
        },
        {**RECORDERS, "sector_staff": 302, "peer": 302, "political_lead": 302},
    ),
    "earlywarning:corporate": (
        {"gss_code": "E06000001"},
        {
            "kind": "chief_executive",
            "occurred_on_0": "1",
            "occurred_on_1": "3",
            "occurred_on_2": "2025",
            "description": "Interim chief executive appointed.",
        },
        STAFF_POSTS,
    ),
    # An invited officer may reply; nobody else outside sector staff learns it exists.
    "earlywarning:conversation": (
        {"pk": "ALERT"},
        {"text": "Thank you, we would welcome a call."},
        {**INVITED, "officer": 302, "sector_staff": 302},
    ),
}


def placeholders(users):
    from earlywarning.models import Alert, AlertReason, Band, SignalType
    from selfreg.models import Council

    signal_type = SignalType.objects.get_or_create(
        code="member-officer-relations",
        defaults={
            "name": "Poor member/officer relations",
            "category": "corporate",
            "description": "Relations between councillors and officers have broken down.",
            "default_weight": 1.5,
            "half_life_months": 18,
            "source": "recorded",
        },
    )[0]
    invited = Alert.objects.create(
        council=Council.objects.get(gss_code="E06000001"),
        reason=AlertReason.BAND,
        band=Band.ELEVATED,
        band_rank=2,
        summary="Band rose to elevated.",
        council_invited=True,
    )
    private = Alert.objects.create(
        council=Council.objects.get(gss_code="E06000005"),
        reason=AlertReason.CRITICAL,
        band=Band.HIGH,
        band_rank=3,
        summary="Critical signal.",
    )
    return {"ALERT": invited.pk, "PRIVATE": private.pk, "SIGNAL_TYPE": str(signal_type.pk)}
