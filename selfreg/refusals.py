"""The two ways a service says no, and how a page shows them.

- `Refused`: the action is not allowed in the present state of things, or with this input
  (a published report cannot change; choose at least one focus area). Nothing was written;
  the message tells the person what to do, and `field` names the input it is about, if any.
- Django's `PermissionDenied`: the action is not allowed for this person. Views ask the
  access module before they act, so it reaches a view only if one forgets to; Django then
  answers with the 403 page, never a 500.

A view wraps its service call in `show_refusal`, which turns a `Refused` into the GOV.UK
error message: a form's error summary, or an error banner on the page it redirects to. A
`Refused` that reaches Django unshown is answered with the 400 page. Two shapes recur often
enough to be written once: `form_page`, a form whose valid submission a service acts on, and
`act_and_redirect`, a button that posts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


class Refused(BadRequest):
    """An action refused for a reason the person can act on; nothing was written."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class show_refusal:
    """Show a `Refused` raised in the block as an error message, and carry on after it.

    Given a form, the message becomes the error of the field the refusal names (through
    `fields`, which maps a service's names to the form's), else of `field`, else of the whole
    form. Given a request, it becomes an error message on the next page shown; given None,
    the view shows it its own way. `error` holds the refusal, or None when the block ran
    through. Anything else, PermissionDenied included, passes through.

        with show_refusal(form):
            services.report_save(...)
            return redirect(challenge)
        return render(...)  # the form with its error
    """

    def __init__(self, target, *, field: str | None = None, fields: dict | None = None):
        self.target = target
        self.field = field
        self.fields = fields or {}
        self.error: Refused | None = None

    def __enter__(self) -> show_refusal:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if not isinstance(error, Refused):
            return False
        self.error = error
        if isinstance(self.target, HttpRequest):
            messages.error(self.target, str(error))
        elif self.target is not None:
            self.target.add_error(self._field_of(error), str(error))
        return True

    def _field_of(self, error: Refused) -> str | None:
        named = self.fields.get(error.field, error.field)
        if named in self.target.fields:
            return named
        return self.field


def refuse_invalid(instance, **checks) -> None:
    """Check a model instance before it is saved, refusing its first problem.

    Forms check what people type; this catches what a form cannot know (or a caller that
    has no form), so that a view's `show_refusal` shows it like any other refusal. `checks`
    go to `full_clean` (`exclude`, `validate_unique`)."""
    try:
        instance.full_clean(**checks)
    except ValidationError as error:
        field, problems = next(iter(error.message_dict.items()))
        raise Refused(
            " ".join(problems), field=None if field == NON_FIELD_ERRORS else field
        ) from error


def _success(request, done, result) -> None:
    if done:
        messages.success(request, done(result) if callable(done) else done)


def act_and_redirect(request, act, *, to, done="", follow: bool = False) -> HttpResponse:
    """The end of a button that posts: `act()` calls the service, then the page redirects.

    When the service acts, `done` (words, or a function of what the service returned) is the
    success message and the next page is `to`, or with `follow` what the service returned (a
    new run, a new request). When it refuses, the refusal is the error message on `to`."""
    with show_refusal(request):
        result = act()
        _success(request, done, result)
        return redirect(result if follow else to)
    return redirect(to)


def form_page(
    request,
    form,
    act,
    *,
    template: str,
    context: dict | None = None,
    done="",
    to=None,
    follow: bool = False,
    field: str | None = None,
    fields: dict | None = None,
) -> HttpResponse:
    """A page with a form whose valid submission a service acts on.

    On a valid POST, `act(form.cleaned_data)` calls the service; `done` and `to` (or
    `follow`) are as in `act_and_redirect`. A refusal becomes the form's error (`field` and
    `fields` as in `show_refusal`), and the page shows the form again. The page is `template`
    with the form and `context`, answered with 400 while the form has errors, so that a client
    that reads only the status still sees the submission failed."""
    if request.method == "POST" and form.is_valid():
        with show_refusal(form, field=field, fields=fields):
            result = act(form.cleaned_data)
            _success(request, done, result)
            return redirect(result if follow else to)
    return render(
        request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200
    )
