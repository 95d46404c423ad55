"""Who may see and do what in the Knowledge Hub. Built on the kernel's access module.

One condition per line, so that each rule reads as the policy it is. Views and services ask
here and never check roles themselves. `access_*` functions return the object or raise:
Http404 where the object must not be revealed, PermissionDenied where the person may see it
but not do what was asked.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from knowledgehub.models import (
    CaseStudy,
    CaseStudyState,
    Community,
    Membership,
    MemberStatus,
    Offer,
    Post,
    Provider,
    ProviderKind,
    Report,
    Review,
    ReviewStatus,
    Thread,
)
from selfreg import access
from selfreg.models import COUNCIL_ROLES, Council, RoleKind

# --- good-practice library ------------------------------------------------------------------


def can_write_case_study(user) -> bool:
    """Council officers write up their councils' practice; sector staff write any."""
    if access.is_sector_staff(user):
        return True
    return bool(access.council_ids(user, {RoleKind.OFFICER}))


def _is_own_case_study(user, case_study: CaseStudy) -> bool:
    if user.is_authenticated and case_study.author_id == user.pk:
        return True
    own = access.council_ids(user)
    return any(c.pk in own for c in case_study.councils.all())


def can_see_case_study(user, case_study: CaseStudy) -> bool:
    """Published work is public; drafts are for their authors, their councils and staff."""
    if case_study.is_published:
        return True
    if access.is_sector_staff(user):
        return True
    return _is_own_case_study(user, case_study)


def can_edit_case_study(user, case_study: CaseStudy) -> bool:
    """Only a draft is edited, by its author, its councils' officers or sector staff."""
    if case_study.state != CaseStudyState.DRAFT:
        return False
    if access.is_sector_staff(user):
        return True
    if user.is_authenticated and case_study.author_id == user.pk:
        return True
    own = access.council_ids(user, {RoleKind.OFFICER})
    return any(c.pk in own for c in case_study.councils.all())


def can_publish(user) -> bool:
    """Sector staff review case studies and publish them."""
    return access.is_sector_staff(user)


def councils_for_case_study(user, councils: list[Council]) -> bool:
    """An officer's case study names at least one council they work for."""
    if access.is_sector_staff(user):
        return True
    own = access.council_ids(user, {RoleKind.OFFICER})
    return any(c.pk in own for c in councils)


def visible_case_studies(user):
    """Case studies the user may see: the published ones and their own council's drafts."""
    queryset = CaseStudy.objects.all()
    if access.is_sector_staff(user):
        return queryset
    q = Q(state=CaseStudyState.PUBLISHED)
    if user.is_authenticated:
        q |= Q(author=user) | Q(councils__in=access.council_ids(user))
    return queryset.filter(q).distinct()


def access_case_study(user, pk: int) -> CaseStudy:
    case_study = CaseStudy.objects.filter(pk=pk).first()
    if case_study is None or not can_see_case_study(user, case_study):
        raise Http404("No case study has that number.")
    return case_study


def access_case_study_for_edit(user, pk: int) -> CaseStudy:
    case_study = access_case_study(user, pk)
    if not can_edit_case_study(user, case_study):
        raise PermissionDenied("Only a draft can be changed, by its own council or staff.")
    return case_study


def access_case_study_for_review(user, pk: int) -> CaseStudy:
    case_study = access_case_study(user, pk)
    if not can_publish(user):
        raise PermissionDenied("Only sector staff review case studies.")
    return case_study


# --- communities of practice ----------------------------------------------------------------


def can_create_community(user) -> bool:
    return access.is_sector_staff(user)


def membership_of(user, community: Community) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def is_member(user, community: Community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.status == MemberStatus.MEMBER


def is_moderator(user, community: Community) -> bool:
    """The group's own moderators, and sector staff, who moderate the whole hub."""
    if access.is_sector_staff(user):
        return True
    membership = membership_of(user, community)
    return membership is not None and membership.is_moderator


def can_read_community(user, community: Community) -> bool:
    """An open group's conversations are for anyone signed in; a closed one's for members."""
    if not user.is_authenticated:
        return False
    if not community.is_closed:
        return True
    if access.is_sector_staff(user):
        return True
    return is_member(user, community)


def can_post(user, community: Community) -> bool:
    """Members post; sector staff may post in any group."""
    if access.is_sector_staff(user):
        return True
    return is_member(user, community)


def access_community(user, slug: str) -> Community:
    """Every signed-in person may see that a group exists, to ask to join it."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404("No community has that name.")
    return community


def access_community_for_reading(user, slug: str) -> Community:
    community = access_community(user, slug)
    if not can_read_community(user, community):
        raise PermissionDenied("This is a closed group: only its members can read it.")
    return community


def access_community_for_moderation(user, slug: str) -> Community:
    community = access_community(user, slug)
    if not is_moderator(user, community):
        raise PermissionDenied("Only the group's moderators can do this.")
    return community


def access_thread(user, slug: str, thread_id: int) -> Thread:
    community = access_community_for_reading(user, slug)
    thread = Thread.objects.filter(community=community, pk=thread_id).first()
    if thread is None:
        raise Http404("No conversation has that number.")
    thread.community = community
    return thread


def access_thread_for_moderation(user, slug: str, thread_id: int) -> Thread:
    thread = access_thread(user, slug, thread_id)
    if not is_moderator(user, thread.community):
        raise PermissionDenied("Only the group's moderators can do this.")
    return thread


def access_post(user, slug: str, post_id: int) -> Post:
    community = access_community_for_reading(user, slug)
    post = Post.objects.select_related("thread").filter(pk=post_id).first()
    if post is None or post.thread.community_id != community.pk:
        raise Http404("No post has that number.")
    if post.is_hidden and not is_moderator(user, community):
        raise Http404("No post has that number.")
    post.thread.community = community
    return post


def access_post_for_moderation(user, slug: str, post_id: int) -> Post:
    post = access_post(user, slug, post_id)
    if not is_moderator(user, post.thread.community):
        raise PermissionDenied("Only the group's moderators can do this.")
    return post


def access_request(user, slug: str, membership_id: int) -> Membership:
    community = access_community_for_moderation(user, slug)
    membership = Membership.objects.filter(
        community=community, pk=membership_id, status=MemberStatus.REQUESTED
    ).first()
    if membership is None:
        raise Http404("There is no such request to join.")
    return membership


def access_report(user, slug: str, report_id: int) -> Report:
    community = access_community_for_moderation(user, slug)
    report = Report.objects.filter(pk=report_id, post__thread__community=community).first()
    if report is None:
        raise Http404("There is no such report.")
    return report


# --- improvement-support marketplace --------------------------------------------------------


def can_create_provider(user) -> bool:
    """Providers list themselves; a council's officers list their council; sector staff list
    any provider, the sector's own included."""
    if access.is_sector_staff(user):
        return True
    if access.council_ids(user, {RoleKind.OFFICER}):
        return True
    return access.has_role(user, RoleKind.PROVIDER)


def can_list_provider_as(user, kind: str, council: Council | None) -> bool:
    """Who may say what a provider is. Only sector staff list the sector body, and only the
    council's own officers (or sector staff) list a council: a provider saying it is a
    council would stop that council's officers reviewing its offers. Consultancies and
    voluntary bodies are listed by providers (or sector staff)."""
    if access.is_sector_staff(user):
        return True
    if kind == ProviderKind.SECTOR_BODY:
        return False
    if kind == ProviderKind.COUNCIL:
        return council is not None and access.is_officer_of(user, council)
    return access.has_role(user, RoleKind.PROVIDER)


def can_manage_provider(user, provider: Provider) -> bool:
    if access.is_sector_staff(user):
        return True
    return user.is_authenticated and provider.managers.filter(pk=user.pk).exists()


def access_provider(user, slug: str) -> Provider:
    provider = Provider.objects.filter(slug=slug).first()
    if provider is None:
        raise Http404("No provider has that name.")
    return provider


def access_provider_for_change(user, slug: str) -> Provider:
    provider = access_provider(user, slug)
    if not can_manage_provider(user, provider):
        raise PermissionDenied("Only the provider's own people can change its offers.")
    return provider


def access_offer(user, pk: int) -> Offer:
    """Listed offers are public; a withdrawn one only to its provider and staff."""
    offer = Offer.objects.select_related("provider", "theme").filter(pk=pk).first()
    if offer is None:
        raise Http404("No offer has that number.")
    if not offer.is_active and not can_manage_provider(user, offer.provider):
        raise Http404("No offer has that number.")
    return offer


def access_offer_for_change(user, pk: int) -> Offer:
    offer = access_offer(user, pk)
    if not can_manage_provider(user, offer.provider):
        raise PermissionDenied("Only the provider's own people can change this offer.")
    return offer


def reviewing_councils(user, offer: Offer):
    """The councils this person may review the offer for: those where they are an officer or
    councillor, except the council that provides it."""
    if user.is_authenticated and offer.provider.managers.filter(pk=user.pk).exists():
        return Council.objects.none()
    ids = access.council_ids(user, COUNCIL_ROLES)
    if offer.provider.council_id:
        ids.discard(offer.provider.council_id)
    return Council.objects.filter(pk__in=ids).order_by("name")


def can_review(user, offer: Offer) -> bool:
    """Officers and councillors review for their own council, not for the provider's."""
    if not offer.is_active:
        return False
    return reviewing_councils(user, offer).exists()


def access_offer_for_review(user, pk: int) -> Offer:
    offer = access_offer(user, pk)
    if not can_review(user, offer):
        raise PermissionDenied("Only officers and councillors of a council can review an offer.")
    return offer


def can_see_review(user, review: Review) -> bool:
    """A published review is public; before then, its council and sector staff see it."""
    if review.status == ReviewStatus.PUBLISHED:
        return True
    if access.is_sector_staff(user):
        return True
    return access.is_member_of(user, review.council)


def can_moderate_reviews(user) -> bool:
    return access.is_sector_staff(user)


def runs_provider(user, provider: Provider) -> bool:
    """One of the provider's own people (sector staff are not, unless added)."""
    return user.is_authenticated and provider.managers.filter(pk=user.pk).exists()


def can_verify(user, review: Review, *, runs: bool | None = None) -> bool:
    """Sector staff or the provider confirm that the engagement took place. `runs` may
    carry `runs_provider` already worked out for a page of reviews of one offer."""
    if review.is_verified:
        return False
    if access.is_sector_staff(user):
        return True
    return runs if runs is not None else runs_provider(user, review.offer.provider)


def can_reply(user, review: Review, *, runs: bool | None = None) -> bool:
    """The provider replies once to a published review."""
    if review.status != ReviewStatus.PUBLISHED:
        return False
    if hasattr(review, "reply"):
        return False
    return runs if runs is not None else runs_provider(user, review.offer.provider)


def reviews_awaiting_reply(user):
    """Published reviews of the offers of providers the person runs, not yet answered: those
    `can_reply` lets them answer."""
    if not user.is_authenticated:
        return Review.objects.none()
    return (
        Review.objects.published()
        .filter(offer__provider__managers=user, reply__isnull=True)
        .select_related("offer__provider", "council")
    )


def _review(pk: int) -> Review:
    review = Review.objects.select_related("offer__provider", "council").filter(pk=pk).first()
    if review is None:
        raise Http404("No review has that number.")
    return review


def access_review_for_moderation(user, pk: int) -> Review:
    review = _review(pk)
    if not can_moderate_reviews(user):
        raise PermissionDenied("Only sector staff moderate reviews.")
    return review


def access_review_for_verification(user, pk: int) -> Review:
    review = _review(pk)
    if not can_see_review(user, review) and not can_moderate_reviews(user):
        raise Http404("No review has that number.")
    if not can_verify(user, review):
        raise PermissionDenied("Only sector staff or the provider can confirm an engagement.")
    return review


def access_review_for_reply(user, pk: int) -> Review:
    review = _review(pk)
    if not can_see_review(user, review):
        raise Http404("No review has that number.")
    if not can_reply(user, review):
        raise PermissionDenied("The provider may reply once to a published review.")
    return review
