"""The shared kernel: councils, area groupings, people and their roles."""

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Visibility(models.TextChoices):
    """Who may see a piece of council data. Each council decides for its own data."""

    COUNCIL = "council", _("Own council only")
    SECTOR = "sector", _("Councils and sector staff")
    PUBLIC = "public", _("Public")


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user_object(self, email, password, **extra_fields):
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.password = ""
        user.set_password(password)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # Part of every session's check value: changing it ends every session of the user
    # ("sign out everywhere") whatever the session store, as a new password does.
    session_salt = models.CharField(max_length=32, blank=True, editable=False)

    objects = EmailUserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self):
        # Django's own value, so sessions made before the salt existed stay valid.
        if not self.session_salt:
            return super().get_session_auth_hash()
        key_salt = "selfreg.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_salt}", algorithm="sha256"
        ).hexdigest()


class CouncilType(models.TextChoices):
    COUNTY = "CTY", _("County council")
    DISTRICT = "NMD", _("District council")
    UNITARY = "UA", _("Unitary authority")
    METROPOLITAN = "MD", _("Metropolitan borough")
    LONDON_BOROUGH = "LBO", _("London borough")
    CITY_CORPORATION = "CC", _("City corporation")
    WELSH = "WPA", _("Welsh unitary authority")
    SCOTTISH = "SCO", _("Scottish council")
    NORTHERN_IRISH = "NID", _("Northern Ireland district council")
    COMBINED = "COMB", _("Combined authority")
    STRATEGIC = "SRA", _("Strategic regional authority")


# Districts are compared with districts; every other council that delivers services directly
# belongs to the upper tier. Combined and strategic authorities are neither.
DISTRICT_TIER = {CouncilType.DISTRICT}
UPPER_TIER = {
    CouncilType.COUNTY,
    CouncilType.UNITARY,
    CouncilType.METROPOLITAN,
    CouncilType.LONDON_BOROUGH,
    CouncilType.CITY_CORPORATION,
    CouncilType.WELSH,
    CouncilType.SCOTTISH,
    CouncilType.NORTHERN_IRISH,
}


class Nation(models.TextChoices):
    ENGLAND = "England", _("England")
    WALES = "Wales", _("Wales")
    SCOTLAND = "Scotland", _("Scotland")
    NORTHERN_IRELAND = "Northern Ireland", _("Northern Ireland")


class CouncilQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Councils that exist on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=on)).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on)
        )

    def with_gss(self):
        return self.exclude(gss_code__isnull=True)

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(official_name__icontains=text)
            | Q(gss_code__iexact=text)
            | Q(la_code__iexact=text)
        )

    def of_tier(self, tier: str):
        kinds = DISTRICT_TIER if tier == "district" else UPPER_TIER
        return self.filter(kind__in=kinds)


class Council(models.Model):
    """A UK local authority from the public register, current or abolished."""

    la_code = models.CharField(_("register code"), max_length=10, unique=True)
    gss_code = models.CharField(_("GSS code"), max_length=9, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    official_name = models.CharField(_("official name"), max_length=300)
    kind = models.CharField(_("type"), max_length=4, choices=CouncilType.choices)
    nation = models.CharField(_("nation"), max_length=20, choices=Nation.choices)
    region = models.CharField(_("region"), max_length=60, blank=True)
    county = models.ForeignKey(
        "self",
        verbose_name=_("county council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
    )
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )
    population = models.PositiveIntegerField(_("population (mid-2020)"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    ecode = models.CharField(_("finance E-code"), max_length=10, blank=True)
    former_gss_codes = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    gov_uk_slug = models.CharField(max_length=100, blank=True)

    objects = CouncilQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["region"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("council_detail", args=[self.gss_code])

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        started = self.start_date is None or self.start_date <= today
        return started and (self.end_date is None or self.end_date > today)

    @property
    def tier(self) -> str | None:
        if self.kind in DISTRICT_TIER:
            return "district"
        if self.kind in UPPER_TIER:
            return "upper"
        return None

    @property
    def density(self) -> float | None:
        if self.population and self.area_km2:
            return self.population / self.area_km2
        return None

    def existed_on(self, day: datetime.date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or self.end_date > day)


class GroupingKind(models.TextChoices):
    REGION = "region", _("Region")
    COUNTY_AREA = "county-area", _("County area")
    FAMILY = "family", _("Family group")
    FOOTPRINT = "footprint", _("Council-led grouping")


class AreaGrouping(models.Model):
    """A named set of councils: a region, a county area, a family group or a footprint.

    Regions and county areas are derived from the register; family groups come with
    datasets; footprints are formed by councils themselves, who invite others in.
    """

    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupingKind.choices)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Council,
        verbose_name=_("owning council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_groupings",
    )
    created_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    councils = models.ManyToManyField(
        Council, through="GroupingMembership", related_name="groupings"
    )

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("grouping_detail", args=[self.slug])

    @property
    def is_footprint(self) -> bool:
        return self.kind == GroupingKind.FOOTPRINT


class MembershipStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    MEMBER = "member", _("Member")


class GroupingMembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MembershipStatus.MEMBER)


class GroupingMembership(models.Model):
    grouping = models.ForeignKey(AreaGrouping, on_delete=models.CASCADE, related_name="memberships")
    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, related_name="grouping_memberships"
    )
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.MEMBER
    )
    invited_by = models.ForeignKey(
        "selfreg.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(null=True, blank=True)

    objects = GroupingMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grouping", "council"], name="unique_grouping_member")
        ]
        ordering = ["council__name"]

    def __str__(self):
        return f"{self.council} in {self.grouping}"


class RoleKind(models.TextChoices):
    OFFICER = "officer", _("Council officer")
    COUNCILLOR = "councillor", _("Councillor")
    SECTOR_STAFF = "sector_staff", _("Sector staff")
    PEER = "peer", _("Peer")
    PROVIDER = "provider", _("Improvement support provider")
    # The leads of the LGA's political groups gather and interpret intelligence about
    # councils (paper 6.2): they may record soft intelligence, which only sector staff see.
    POLITICAL_LEAD = "political_lead", _("Political group lead")
    # An officer who decides, for their own council, who may act for it in the portal.
    COUNCIL_ADMIN = "council_admin", _("Council officer-administrator")


# A tuple, not a set: its order is written into a migration and must not vary.
COUNCIL_ROLES = (RoleKind.OFFICER, RoleKind.COUNCILLOR, RoleKind.COUNCIL_ADMIN)
# The roles a person may ask for at a council, through the portal.
REQUESTABLE_ROLES = COUNCIL_ROLES


class RoleQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user) if user.is_authenticated else self.none()


class Role(models.Model):
    """One role a person holds. Officers and councillors hold theirs for one council."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    objects = RoleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "council"],
                condition=Q(council__isnull=False),
                name="unique_council_role",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(council__isnull=True),
                name="unique_sector_role",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[k.value for k in COUNCIL_ROLES], council__isnull=False)
                    | (~Q(kind__in=[k.value for k in COUNCIL_ROLES]) & Q(council__isnull=True))
                ),
                name="council_role_has_council",
            ),
        ]
        ordering = ["user", "kind"]

    def __str__(self):
        if self.council_id:
            return f"{self.get_kind_display()}, {self.council}"
        return str(self.get_kind_display())


class RoleRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class RoleRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=RoleRequestStatus.PENDING)


class RoleRequest(models.Model):
    """A person's request for a role at a council, decided by the council's own
    officer-administrator or by sector staff (`selfreg.access.can_decide_role_request`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_requests")
    kind = models.CharField(
        _("role"),
        max_length=20,
        choices=[(kind.value, kind.label) for kind in REQUESTABLE_ROLES],
    )
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="role_requests")
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    reason = models.TextField(_("why you need this role"), blank=True)
    status = models.CharField(
        max_length=10, choices=RoleRequestStatus.choices, default=RoleRequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RoleRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "council"],
                condition=Q(status="pending"),
                name="one_pending_role_request",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}, {self.council}"

    def get_absolute_url(self):
        return reverse("role_request_detail", args=[self.pk])


class ApiToken(models.Model):
    """A key for the API, stored hashed: the key itself is shown once, when it is made
    (`selfreg.tokens.api_token_create`), and never kept.

    A key is `PREFIX_LENGTH` characters of prefix, a dot, then the secret. The prefix is
    stored in the clear to find the row; the whole key's SHA-256 is compared in constant
    time. Keys are random and long (256 bits), so a plain hash suffices: no salt or slow
    hash is needed, as for passwords. A person may hold several keys (one per client, say),
    each with a name, and revoke one by deleting it.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    # What the key may write (`selfreg.access.submittable_councils`): nothing, one council,
    # or (no council) every council its holder may write for. Never more than the holder.
    read_only = models.BooleanField(_("read only"), default=False)
    council = models.ForeignKey(
        Council,
        verbose_name=_("council"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self):
        label = f" ({self.name})" if self.name else ""
        return f"{self.prefix}…{label} for {self.user}"


class PendingJob(models.Model):
    """A background job that could not be handed to the queue, kept until it can be.

    Written when the broker does not answer at the moment a change commits, so that the
    follow-on work (a recompute, an email) is not lost with the request; `selfreg.jobs`
    hands these to the queue once it answers again.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.task} ({self.attempts} attempts)"
