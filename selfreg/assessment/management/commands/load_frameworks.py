import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from selfreg.assessment.services import frameworks_load
from selfreg.refusals import Refused

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "framework_default.json"
SCALE_KEYS = {"code", "label", "description"}


def read_frameworks(path: Path) -> list[dict]:
    """The file's frameworks, checked whole; raise CommandError listing every problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"Cannot read {path}: {error}.") from error
    problems = []
    frameworks = data.get("frameworks") if isinstance(data, dict) else None
    if not isinstance(frameworks, list) or not frameworks:
        raise CommandError("The file needs a non-empty list called 'frameworks'.")
    for i, fw in enumerate(frameworks, start=1):
        where = f"Framework {i}"
        for key in ("slug", "name", "version", "scale", "themes"):
            if key not in fw:
                problems.append(f"{where}: '{key}' is required.")
        if not isinstance(fw.get("version"), int) or fw.get("version", 0) < 1:
            problems.append(f"{where}: 'version' is a whole number from 1.")
        scale = fw.get("scale") or []
        if len(scale) < 2 or any(set(level) != SCALE_KEYS for level in scale):
            problems.append(
                f"{where}: 'scale' lists two or more levels, best first, each with "
                "code, label and description."
            )
        codes = [t.get("code") for t in fw.get("themes") or []]
        if len(codes) != len(set(codes)):
            problems.append(f"{where}: theme codes repeat.")
        for theme in fw.get("themes") or []:
            prompts = theme.get("prompts") or []
            if not theme.get("code") or not theme.get("title"):
                problems.append(f"{where}: every theme needs a code and a title.")
            if not 3 <= len(prompts) <= 5:
                problems.append(f"{where}, theme {theme.get('code')}: give 3 to 5 prompts.")
    if problems:
        raise CommandError("No frameworks were loaded; nothing changed.\n" + "\n".join(problems))
    return frameworks


class Command(BaseCommand):
    help = (
        "Load or update the self-assessment frameworks and their themes. Safe to rerun; a bad "
        "file changes nothing, and a version already used by assessments never changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path, **options):
        frameworks = read_frameworks(Path(path))
        try:
            counts = frameworks_load(frameworks=frameworks)
        except Refused as error:
            raise CommandError(f"No frameworks were loaded; nothing changed.\n{error}") from error
        self.stdout.write(
            "Frameworks: {created} created, {updated} updated, {unchanged} unchanged.".format(
                **counts
            )
        )
