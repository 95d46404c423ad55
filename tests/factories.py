import factory

from selfreg.models import AreaGrouping, Council, GroupingKind, Role, RoleKind, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.OFFICER


class FootprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaGrouping

    slug = factory.Sequence(lambda n: f"footprint-{n}")
    name = factory.Sequence(lambda n: f"Footprint {n}")
    kind = GroupingKind.FOOTPRINT


def council(gss_code: str) -> Council:
    """A council from the real register, which the test database holds."""
    return Council.objects.get(gss_code=gss_code)
