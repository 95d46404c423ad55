"""Risk is reassessed by a real Celery worker on the real Redis broker."""

import pytest
from celery.result import AsyncResult
from django.utils import timezone

from earlywarning.models import RiskAssessment
from earlywarning.services import signal_record
from earlywarning.tasks import risk_recompute_task

pytestmark = pytest.mark.redis


def test_a_real_worker_reassesses_risk(celery_worker, users, catalogue, hartlepool):
    signal_record(
        user=users["sector_staff"],
        council=hartlepool,
        signal_type=catalogue["public-interest-report"],
        observed_on=timezone.localdate(),
        severity=2,
        evidence="Report in the public interest on the council's companies.",
    )
    # Recording queued a run on commit; this one runs after it, and both write the same rows.
    started = risk_recompute_task.delay().get(timeout=300)
    assert started["as_of"] == timezone.localdate().isoformat()
    assert started["chunks"] > 1
    # The councils are assessed by chunk tasks; the final step's result sums them up.
    result = AsyncResult(started["result_id"]).get(timeout=300)
    assert result["saved"] > 300
    assessment = RiskAssessment.objects.get(council=hartlepool, as_of=timezone.localdate())
    assert [c["code"] for c in assessment.contributions] == ["public-interest-report"]
    assert assessment.points == pytest.approx(4.0)
