from django.core.management.base import BaseCommand, CommandError

from selfreg.models import User
from selfreg.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Make an API token for a person, by email, and print it once: only its hash is kept, "
        "so it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No one has the email address {email}.")
        token, key = api_token_create(user=user, name=name)
        self.stdout.write(f"API token {token.prefix} for {user.email}: {key}")
        self.stdout.write("Copy it now: it is not stored and cannot be shown again.")
