"""The Knowledge Hub: good-practice library, communities of practice and a marketplace of
improvement support rated by the councils that used it."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorExact
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from selfreg.models import Council


class TsVectorField(models.Field):
    """A PostgreSQL tsvector column that is plain (always empty) text on SQLite, so the
    portal's first run needs no PostgreSQL. `field=SearchQuery(...)` matches with `@@`."""

    description = "Full-text search document"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


TsVectorField.register_lookup(SearchVectorExact)


class ThemeKind(models.TextChoices):
    CORE = "core", _("Core element")
    SPECIALISM = "specialism", _("Specialism")


class Theme(models.Model):
    """A focus area, the same as peer challenge and self-assessment use: the five core
    elements of a corporate peer challenge and the specialisms. Loaded from
    `knowledgehub/data/themes.csv`."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ThemeKind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


# --- good-practice library ------------------------------------------------------------------


class CaseStudyKind(models.TextChoices):
    CASE_STUDY = "case_study", _("Case study")
    RESOURCE = "resource", _("Resource")


class CaseStudyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


class CaseStudyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=CaseStudyState.PUBLISHED)


class CaseStudy(models.Model):
    """A piece of good practice: what a council did, what it achieved and how to tell."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=CaseStudyKind.choices, default=CaseStudyKind.CASE_STUDY
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000)
    body = models.TextField(_("body"), max_length=50000)
    outcomes = models.TextField(_("outcomes achieved"), max_length=10000, blank=True)
    councils = models.ManyToManyField(Council, related_name="case_studies", blank=True)
    themes = models.ManyToManyField(Theme, related_name="case_studies", blank=True)
    metrics = models.ManyToManyField("benchmarking.Metric", related_name="case_studies", blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=CaseStudyState.choices, default=CaseStudyState.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("note from the reviewer"), blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The weighted search document, written by the service that saves a case study, on
    # PostgreSQL only; a GIN index (migration 0003) serves the search.
    search_vector = TsVectorField(null=True, blank=True, editable=False)

    objects = CaseStudyQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-updated_at"]
        verbose_name_plural = _("case studies")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledgehub:case_study", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.state == CaseStudyState.PUBLISHED


class Attachment(models.Model):
    """A file attached to a case study, checked by its content and served only through a
    view that asks who may see the case study."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="knowledgehub/attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("knowledgehub:attachment", args=[self.case_study_id, self.pk])


# --- communities of practice ----------------------------------------------------------------


class CommunityKind(models.TextChoices):
    OPEN = "open", _("Open: anyone signed in may join")
    CLOSED = "closed", _("Closed: moderators approve requests to join")


class Community(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), max_length=5000)
    kind = models.CharField(
        _("who may join"), max_length=10, choices=CommunityKind.choices, default=CommunityKind.OPEN
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("knowledgehub:community", args=[self.slug])

    @property
    def is_closed(self) -> bool:
        return self.kind == CommunityKind.CLOSED


class MemberStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_memberships"
    )
    status = models.CharField(max_length=10, choices=MemberStatus.choices)
    is_moderator = models.BooleanField(_("moderator"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_moderator", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="unique_hub_membership")
        ]

    def __str__(self):
        return f"{self.user} in {self.community}"


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_post_at = models.DateTimeField(auto_now_add=True)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Follow", related_name="followed_threads"
    )

    class Meta:
        ordering = ["-last_post_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledgehub:thread", args=[self.community.slug, self.pk])


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=20000)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once followers have been emailed, so a re-run of the job sends nothing twice.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Post {self.pk} in {self.thread}"


class Follow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="unique_follow")]

    def __str__(self):
        return f"{self.user_id} follows {self.thread_id}"


class Report(models.Model):
    """Someone's report that a post breaks the community's rules, for its moderators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Report on {self.post}"


# --- improvement-support marketplace --------------------------------------------------------


class ProviderKind(models.TextChoices):
    SECTOR_BODY = "sector", _("The sector body")
    COUNCIL = "council", _("A council")
    CONSULTANCY = "consultancy", _("Consultancy")
    VOLUNTARY = "voluntary", _("Voluntary or community body")


class Provider(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind of provider"), max_length=20, choices=ProviderKind.choices)
    council = models.ForeignKey(
        Council,
        verbose_name=_("council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a council that sells support"),
    )
    description = models.TextField(_("about the provider"), max_length=5000)
    website = models.URLField(_("website"), blank=True, max_length=300)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_providers", blank=True
    )
    is_demo = models.BooleanField(_("demo content"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("knowledgehub:provider", args=[self.slug])


class DeliveryMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


class PriceBand(models.TextChoices):
    # Ordered from cheapest: the code sorts as the band does.
    FREE = "a-free", _("Free to member councils")
    UNDER_5K = "b-under-5k", _("Under £5,000")
    UP_TO_20K = "c-5k-20k", _("£5,000 to £20,000")
    UP_TO_50K = "d-20k-50k", _("£20,000 to £50,000")
    OVER_50K = "e-over-50k", _("Over £50,000")


class OfferQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Offer(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offers")
    title = models.CharField(_("title"), max_length=200)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="offers")
    description = models.TextField(_("what it is"), max_length=10000)
    delivery_mode = models.CharField(
        _("how it is delivered"), max_length=20, choices=DeliveryMode.choices
    )
    typical_duration = models.CharField(_("typical duration"), max_length=100)
    price_band = models.CharField(_("price band"), max_length=20, choices=PriceBand.choices)
    suits = models.TextField(_("who it suits"), max_length=2000)
    is_active = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledgehub:offer", args=[self.pk])


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not published")


class ReviewQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ReviewStatus.PUBLISHED)


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class Review(models.Model):
    """One council's review of an offer it used. A council has one review per offer and
    updates it; every change goes back through moderation."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="reviews")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("overall rating"), validators=RATING)
    quality = models.PositiveSmallIntegerField(_("quality"), validators=RATING)
    value = models.PositiveSmallIntegerField(_("value for money"), validators=RATING)
    impact = models.PositiveSmallIntegerField(_("impact"), validators=RATING)
    comment = models.TextField(_("comment"), max_length=5000)
    engaged_on = models.DateField(_("when the council used it"))
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-engaged_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "council"], name="one_review_per_council"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5)
                & Q(quality__gte=1, quality__lte=5)
                & Q(value__gte=1, value__lte=5)
                & Q(impact__gte=1, impact__lte=5),
                name="ratings_one_to_five",
            ),
        ]

    def __str__(self):
        return f"{self.council} on {self.offer}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_published(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED


class ReviewReply(models.Model):
    """The provider's one reply to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("reply"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Reply to {self.review}"
