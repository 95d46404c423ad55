"""The REST framework's command name, kept so scripts that used it still work; tokens are
now hashed, so it makes a new token each time and prints it once."""

from selfreg.management.commands.create_api_token import Command  # noqa: F401
