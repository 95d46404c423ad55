"""Frameworks are versioned data: loaded idempotently, frozen once used, copied to change."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from selfreg.assessment import services
from selfreg.assessment.management.commands.load_frameworks import DEFAULT_PATH
from selfreg.assessment.models import Framework, Theme


def test_default_framework_has_five_core_themes_and_optional_ones(framework):
    core = framework.themes.filter(optional=False)
    assert [t.title for t in core] == [
        "Local priorities and outcomes",
        "Organisational and place leadership",
        "Governance and culture",
        "Financial planning and management",
        "Capacity for improvement",
    ]
    assert framework.themes.filter(optional=True).count() == 6
    assert framework.level_codes == ["strong", "good", "adequate", "weak"]
    assert all(3 <= len(t.prompt_list) <= 5 for t in framework.themes.all())


def test_loading_twice_changes_nothing(framework):
    out = io.StringIO()
    call_command("load_frameworks", stdout=out)
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
    assert Framework.objects.count() == 1
    assert Theme.objects.count() == 11


def test_a_version_in_use_cannot_be_changed_by_the_loader(make_assessment, tmp_path):
    make_assessment()
    path = tmp_path / "f.json"
    data = json.loads(DEFAULT_PATH.read_text())
    data["frameworks"][0]["themes"][0]["title"] = "Something else"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="cannot change"):
        call_command("load_frameworks", str(path), stdout=io.StringIO())
    assert Theme.objects.filter(title="Something else").count() == 0


def test_a_new_version_copies_themes_and_leaves_old_assessments_alone(make_assessment, users):
    assessment = make_assessment()
    old = assessment.framework
    new = services.framework_new_version(user=users["sector_staff"], framework=old)
    assert (new.version, new.published) == (2, False)
    assert list(new.themes.values_list("code", flat=True)) == list(
        old.themes.values_list("code", flat=True)
    )
    new.themes.filter(code="leadership").update(title="Leadership")
    assessment.refresh_from_db()
    assert assessment.framework == old
    assert old.themes.get(code="leadership").title == "Organisational and place leadership"


@pytest.mark.parametrize("role", ["officer", "councillor", "peer", "provider", "anonymous"])
def test_only_sector_staff_make_new_versions(framework, users, role):
    with pytest.raises(PermissionDenied):
        services.framework_new_version(user=users[role], framework=framework)
