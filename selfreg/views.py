from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from selfreg import access, services
from selfreg.forms import CouncilSearchForm, GroupingForm, InviteForm, SignInForm
from selfreg.home import home_councils, home_work
from selfreg.models import AreaGrouping, Council, GroupingKind, MembershipStatus
from selfreg.refusals import show_refusal


def home(request):
    """A visitor's home page introduces the portal; a signed-in person's lists their councils
    and the work waiting for them (`selfreg.home`)."""
    if request.user.is_authenticated:
        return render(
            request,
            "home/home.html",
            {"councils": home_councils(request.user), "work": home_work(request.user)},
        )
    return render(request, "selfreg/home.html", {"search_form": CouncilSearchForm()})


def accessibility(request):
    return render(request, "selfreg/accessibility.html")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def council_list(request):
    form = CouncilSearchForm(request.GET or None)
    councils = form.filter(Council.objects.with_gss()).select_related("county")
    page = Paginator(councils, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "selfreg/council_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count},
    )


def council_detail(request, gss_code):
    council = access.access_council_by_gss(request.user, gss_code)
    groupings = council.groupings.filter(memberships__status=MembershipStatus.MEMBER).distinct()
    return render(
        request,
        "selfreg/council_detail.html",
        {
            "council": council,
            "groupings": groupings,
            "districts": council.districts.order_by("name"),
            "successors": council.successors.all(),
            "predecessors": council.predecessors.all(),
            "can_submit": access.can_submit_for(request.user, council),
            "is_member": access.is_member_of(request.user, council),
        },
    )


def grouping_list(request):
    groupings = AreaGrouping.objects.annotate(
        members=Count("memberships", filter=Q(memberships__status=MembershipStatus.MEMBER))
    ).select_related("owner")
    sections = [
        (label, [g for g in groupings if g.kind == kind]) for kind, label in GroupingKind.choices
    ]
    return render(request, "selfreg/grouping_list.html", {"sections": sections})


def grouping_detail(request, slug):
    grouping = access.access_grouping_by_slug(request.user, slug)
    can_manage = access.can_manage_grouping(request.user, grouping)
    return _grouping_page(request, grouping, can_manage=can_manage, invite_form=InviteForm())


def _grouping_page(request, grouping, *, can_manage: bool, invite_form, status: int = 200):
    """A grouping's members and open invitations, with the invitation form if it may be
    managed (shown again with its errors after a refused invitation)."""
    memberships = grouping.memberships.select_related("council")
    return render(
        request,
        "selfreg/grouping_detail.html",
        {
            "grouping": grouping,
            "members": [m for m in memberships if m.status == MembershipStatus.MEMBER],
            "invited": [m for m in memberships if m.status == MembershipStatus.INVITED],
            "can_manage": can_manage,
            "invite_form": invite_form,
        },
        status=status,
    )


@login_required
def grouping_create(request):
    owners = access.submittable_councils(request.user).current().with_gss()
    if not owners.exists():
        raise PermissionDenied(_("Only council officers and sector staff can create groupings."))
    form = GroupingForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        grouping = services.grouping_create(
            user=request.user,
            owner=form.cleaned_data["owner"],
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("Grouping created. Now invite other councils."))
        return redirect(grouping)
    return render(request, "selfreg/grouping_form.html", {"form": form})


@login_required
@require_POST
def grouping_invite(request, slug):
    grouping = access.access_grouping_for_change(request.user, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        with show_refusal(form, field="gss_code"):
            services.grouping_invite(user=request.user, grouping=grouping, council=form.council)
            messages.success(
                request, _("%(council)s has been invited.") % {"council": form.council}
            )
            return redirect(grouping)
    return _grouping_page(request, grouping, can_manage=True, invite_form=form, status=400)


@login_required
@require_POST
def grouping_remove(request, slug, gss_code):
    grouping = access.access_grouping_for_change(request.user, slug)
    council = access.access_council_by_gss(request.user, gss_code)
    with show_refusal(request):
        services.grouping_member_remove(user=request.user, grouping=grouping, council=council)
        messages.success(request, _("%(council)s was removed.") % {"council": council})
    return redirect(grouping)


@login_required
@require_POST
def invitation_answer(request, slug, gss_code):
    membership = access.access_invitation_for_answer(request.user, slug, gss_code)
    accept = request.POST.get("answer") == "accept"
    services.invitation_answer(membership=membership, accept=accept)
    if accept:
        messages.success(request, _("You have joined %(g)s.") % {"g": membership.grouping})
    else:
        messages.info(request, _("You declined to join %(g)s.") % {"g": membership.grouping})
    return redirect("account")


def _error(request, status: int, detail: str):
    """The error page, or for the API (anything under /api/) the error as JSON."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, f"{status}.html", status=status)


def error_404(request, exception=None):
    return _error(request, 404, _("Not found."))


def error_403(request, exception=None):
    return _error(request, 403, _("You do not have permission to do this."))


def error_500(request):
    return _error(request, 500, _("Something went wrong. Try again later."))


def error_400(request, exception=None):
    return _error(request, 400, _("The request could not be understood."))
