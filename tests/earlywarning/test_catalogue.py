import io

from django.core.management import call_command

from earlywarning.models import Category, Domain, SignalSource, SignalType

REQUIRED = {
    "political-control-change",
    "chief-executive-change",
    "s151-officer-change",
    "monitoring-officer-change",
    "member-officer-relations",
    "inward-looking-culture",
    "governance-concern",
    "financial-distress",
    "spc-service-concern",
    "ofsted-childrens-services",
    "cqc-adult-social-care",
    "send-systemic-failings",
    "vfm-significant-weakness",
    "statutory-recommendation",
    "public-interest-report",
    "accounts-overdue",
}
AUDIT_GOVERNANCE = {
    "governance-concern",
    "vfm-significant-weakness",
    "statutory-recommendation",
    "public-interest-report",
    "accounts-overdue",
}
DERIVED = {
    "political-control-change",
    "chief-executive-change",
    "s151-officer-change",
    "monitoring-officer-change",
    "fin-reserves-runout",
    "fin-reserves-low",
    "fin-reserves-falling",
    "fin-debt-high",
    "fin-debt-growth",
    "fin-interest-high",
    "fin-social-care-high",
    "fin-council-tax-low",
    "spc-service-concern",
    "ofsted-childrens-services",
    "cqc-adult-social-care",
    "send-systemic-failings",
}


def test_catalogue_ships_the_signals_the_issue_asks_for(catalogue):
    """Every signal in the issue is in the catalogue, with a valid category and source."""
    assert set(catalogue) >= REQUIRED
    assert {c for c, t in catalogue.items() if t.source == SignalSource.DERIVED} >= DERIVED
    for signal_type in catalogue.values():
        assert signal_type.category in Category.values
        assert signal_type.description
        assert signal_type.default_weight > 0
        assert signal_type.half_life_months > 0
        assert signal_type.domain in Domain.values


def test_audit_and_governance_signals_are_recorded_in_their_own_domain(catalogue):
    """The auditor's findings are recorded by staff and count in the audit and governance
    domain; social care signals apply only to councils with social care."""
    for code in AUDIT_GOVERNANCE:
        assert catalogue[code].domain == Domain.AUDIT_GOVERNANCE
        assert catalogue[code].source == SignalSource.RECORDED
    social = {c for c, t in catalogue.items() if t.social_care_only}
    assert social == {
        "fin-social-care-high",
        "ofsted-childrens-services",
        "cqc-adult-social-care",
        "send-systemic-failings",
    }


def test_every_derived_signal_has_a_rule(catalogue):
    """Each derived kind of signal is raised by a registered rule, and each rule names a kind
    in the catalogue."""
    from earlywarning import rules

    raised = {r.signal_code for r in rules.RULES.values() if r.signal_code}
    raised |= {code for code, _words in rules.INSPECTION_SIGNALS.values()}
    raised |= set(rules.CORPORATE_SIGNALS.values())
    derived = {c for c, t in catalogue.items() if t.source == SignalSource.DERIVED}
    assert raised == derived
    for registered in rules.RULES.values():
        assert registered.explanation


def test_loading_twice_changes_nothing(catalogue):
    """The loader is idempotent: a second run creates, updates and records nothing."""
    before = SignalType.history.count()
    out = io.StringIO()
    call_command("load_signal_types", stdout=out)
    assert SignalType.objects.count() == len(catalogue)
    assert SignalType.history.count() == before
    assert f"0 created, 0 updated, {len(catalogue)} unchanged" in out.getvalue()


def test_loading_restores_an_edited_type(catalogue):
    """A type edited in the database is put back to the file's version, with history."""
    SignalType.objects.filter(code="governance-concern").update(name="Something else")
    out = io.StringIO()
    call_command("load_signal_types", stdout=out)
    assert "1 updated" in out.getvalue()
    assert SignalType.objects.get(code="governance-concern").name == "Governance concern"
