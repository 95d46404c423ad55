from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from selfreg.demo import demo_seed


class Command(BaseCommand):
    help = "Create one demo user per role (only with DEBUG on). Safe to rerun."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates known passwords.")
        users = demo_seed(password=settings.DEMO_PASSWORD)
        self.stdout.write("Demo users (password from DEMO_PASSWORD):")
        for email, role in users:
            self.stdout.write(f"  {email:32} {role}")
        self.stdout.write(f"Password: {settings.DEMO_PASSWORD}")
