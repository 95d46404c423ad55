"""Good-practice library pages: search, case studies from draft to publication, attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledgehub import access, search, selectors, services
from knowledgehub.forms.library import AttachmentForm, CaseStudyForm, DecisionForm, SearchForm
from knowledgehub.models import (
    CaseStudy,
    CaseStudyState,
    Report,
)
from knowledgehub.views import _page, public
from selfreg.access import council_ids
from selfreg.decorators import sector_staff_required
from selfreg.models import Council, RoleKind
from selfreg.refusals import form_page


@public
def search_view(request):
    form = SearchForm(request.GET or None)
    hits, searched = [], False
    if form.is_valid():
        data = form.cleaned_data
        queryset = search.filter_case_studies(
            CaseStudy.objects.published(),
            theme=data["theme"],
            council_type=data["council_type"],
            region=data["region"],
        )
        hits = search.search_case_studies(queryset, data["q"])
        searched = True
    else:
        hits = search.search_case_studies(CaseStudy.objects.published(), "")
    mine = []
    if request.user.is_authenticated:
        mine = (
            access.visible_case_studies(request.user)
            .exclude(state=CaseStudyState.PUBLISHED)
            .filter(Q(author=request.user) | Q(councils__in=council_ids(request.user)))
            .distinct()
        )
    return _page(
        request,
        "search.html",
        {
            "form": form,
            "hits": hits,
            "searched": searched,
            "query": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else "",
            "mine": mine,
            "can_write": access.can_write_case_study(request.user),
            "can_publish": access.can_publish(request.user),
        },
        form,
    )


@public
def case_study(request, pk):
    case_study = access.access_case_study(request.user, pk)
    return render(
        request,
        "knowledgehub/case_study.html",
        {
            "case_study": case_study,
            "councils": case_study.councils.all(),
            "themes": case_study.themes.all(),
            "metrics": case_study.metrics.all(),
            "attachments": case_study.attachments.all(),
            "can_edit": access.can_edit_case_study(request.user, case_study),
            "can_publish": access.can_publish(request.user)
            and case_study.state == CaseStudyState.IN_REVIEW,
        },
    )


def _initial_codes(user) -> str:
    own = council_ids(user, {RoleKind.OFFICER})
    return ", ".join(Council.objects.filter(pk__in=own).values_list("gss_code", flat=True))


@login_required
def case_study_new(request):
    if not access.can_write_case_study(request.user):
        raise PermissionDenied(_("Only council officers and sector staff write case studies."))
    return _case_study_form(request, None)


@login_required
def case_study_edit(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    return _case_study_form(request, case_study)


def _case_study_form(request, case_study):
    initial = {"council_codes": _initial_codes(request.user)}
    if case_study is not None:
        initial = {
            "kind": case_study.kind,
            "title": case_study.title,
            "summary": case_study.summary,
            "body": case_study.body,
            "outcomes": case_study.outcomes,
            "council_codes": ", ".join(c.gss_code for c in case_study.councils.all()),
            "themes": list(case_study.themes.all()),
            "metric_codes": ", ".join(m.code for m in case_study.metrics.all()),
        }
    return form_page(
        request,
        CaseStudyForm(request.POST or None, initial=initial),
        lambda data: services.case_study_save(
            user=request.user,
            case_study=case_study,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            outcomes=data["outcomes"],
            kind=data["kind"],
            councils=data["council_codes"],
            themes=data["themes"],
            metrics=data["metric_codes"],
        ),
        template="knowledgehub/case_study_form.html",
        context={"case_study": case_study},
        done=_("Draft saved. Send it for review when it is ready."),
        follow=True,
        fields={"councils": "council_codes"},
    )


@login_required
@require_POST
def case_study_submit(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    services.case_study_submit(user=request.user, case_study=case_study)
    messages.success(request, _("Sent for review. Sector staff will publish it or reply."))
    return redirect(case_study)


@sector_staff_required
def review_queue(request):
    return render(
        request,
        "knowledgehub/review_queue.html",
        {
            "case_studies": CaseStudy.objects.filter(state=CaseStudyState.IN_REVIEW),
            "reviews": selectors.reviews_awaiting_moderation(),
            "reports": Report.objects.filter(resolved_at__isnull=True).select_related(
                "post__thread__community", "reported_by"
            ),
        },
    )


@sector_staff_required
def case_study_decide(request, pk):
    case_study = access.access_case_study_for_review(request.user, pk)
    if case_study.state != CaseStudyState.IN_REVIEW:
        raise Http404("This case study is not in review.")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["decision"] == "publish"
        services.case_study_decide(
            user=request.user,
            case_study=case_study,
            publish=publish,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Published.") if publish else _("Returned to its authors."))
        return redirect(case_study)
    return _page(request, "case_study_decide.html", {"form": form, "case_study": case_study}, form)


@login_required
def attachment_add(request, pk):
    case_study = access.access_case_study_for_edit(request.user, pk)
    return form_page(
        request,
        AttachmentForm(request.POST or None, request.FILES or None),
        lambda data: services.attachment_add(
            user=request.user, case_study=case_study, upload=data["file"]
        ),
        template="knowledgehub/attachment_form.html",
        context={"case_study": case_study},
        done=_("File attached."),
        to=case_study,
    )


@public
def attachment(request, pk, attachment_id):
    case_study = access.access_case_study(request.user, pk)
    item = case_study.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("No file has that number.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
