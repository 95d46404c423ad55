"""The Knowledge Hub's demo content: real councils, clearly marked, and safe to rerun."""

import io

from knowledgehub import demo
from knowledgehub.models import CaseStudy, Community, Offer, Provider, Review, ReviewStatus
from selfreg.demo import demo_seed


def test_demo_seed_is_idempotent_and_uses_real_councils(db):
    from benchmarking.models import Metric

    Metric.objects.create(code="fin-reserves-to-nre", title="Reserves", element="cost")
    demo_seed(password="demo-password-for-tests")
    demo.seed(stdout=io.StringIO())
    counts = [m.objects.count() for m in (CaseStudy, Community, Provider, Offer, Review)]
    demo.seed(stdout=io.StringIO())
    assert [m.objects.count() for m in (CaseStudy, Community, Provider, Offer, Review)] == counts
    assert all(c.is_demo and "Demo content" in c.summary for c in CaseStudy.objects.all())
    assert CaseStudy.objects.published().count() == len(demo.CASE_STUDIES)
    # The provider demo user runs one provider, with a published review to reply to.
    provider = Provider.objects.get(managers__email="provider@example.com")
    assert Review.objects.published().filter(offer__provider=provider).exists()
    assert Review.objects.filter(status=ReviewStatus.PENDING).exists()
    # Every review comes from a council in the real register.
    assert set(Review.objects.values_list("council__gss_code", flat=True)) == {
        gss for _, gss, _, _ in demo.REVIEWS
    }
    # Where the outturn dataset is loaded, the budgeting case study cites its measure.
    budgeting = CaseStudy.objects.get(title="Priority-based budgeting with residents")
    assert list(budgeting.metrics.values_list("code", flat=True)) == ["fin-reserves-to-nre"]
