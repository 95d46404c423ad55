"""What the commands that import a file of records share: they find who records by email, read
the file, and turn the importer's refusals into a CommandError that lists every problem."""

from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from selfreg.fileproblems import FileProblems, read_table


def records_import(path: str, email: str, importer: Callable[..., list]) -> list:
    """Import the file at ``path`` with ``importer`` in the name of the person with ``email``;
    the records it created. A file that cannot be read raises OSError, for the caller to word."""
    recorder = get_user_model().objects.filter(email__iexact=email).first()
    if recorder is None:
        raise CommandError(f"No user has the email address {email}.")
    file = Path(path)
    try:
        frame = read_table(file.read_bytes(), file.name)
        return importer(rows_frame=frame, user=recorder)
    except FileProblems as error:
        listed = "\n".join(str(p) for p in error.problems)
        raise CommandError(f"The file was not imported; nothing changed.\n{listed}") from error
    except PermissionDenied as error:
        raise CommandError(str(error)) from error
