from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from selfreg.demo import demo_seed


def app_demo_modules():
    """Each tool app's `demo` module, in INSTALLED_APPS order: the kernel discovers its tools'
    demo content the way Django discovers admin modules, without importing a tool by name."""
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name != "selfreg" and find_spec(name) is not None:
            yield import_module(name)


class Command(BaseCommand):
    help = (
        "Create one demo user per role, then each app's demo content (only with DEBUG on). "
        "Safe to rerun."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates known passwords.")
        users = demo_seed(password=settings.DEMO_PASSWORD)
        for module in app_demo_modules():
            # An app's seed(stdout) creates its demo content, idempotently, on the demo users.
            module.seed(stdout=self.stdout)
        self.stdout.write("Demo users (password from DEMO_PASSWORD):")
        for email, role in users:
            self.stdout.write(f"  {email:32} {role}")
        self.stdout.write(f"Password: {settings.DEMO_PASSWORD}")
