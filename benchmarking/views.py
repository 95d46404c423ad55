from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from benchmarking import api_docs as api_docs_module
from benchmarking.forms import ValuesUploadForm
from benchmarking.models import Source
from benchmarking.services import values_import
from benchmarking.validation import FileProblems, read_table
from selfreg import access


def index(request):
    return render(request, "benchmarking/index.html")


@login_required
def upload(request):
    councils = access.submittable_councils(request.user).with_gss()
    if not councils.exists():
        raise PermissionDenied(_("Only council officers and sector staff can submit data."))
    form = ValuesUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "councils": councils[:5], "council_count": councils.count()}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            frame = read_table(upload.read(), upload.name)
            report = values_import(
                frame=frame,
                source=Source.UPLOAD,
                visibility=form.cleaned_data["visibility"],
                user=request.user,
                source_ref=upload.name,
            )
        except FileProblems as error:
            context.update(problems=error.problems, filename=upload.name)
            return render(request, "benchmarking/upload.html", context, status=400)
        context.update(report=report, filename=upload.name)
    return render(request, "benchmarking/upload.html", context)


def api_docs(request):
    return render(request, "benchmarking/api_docs.html", {"endpoints": api_docs_module.endpoints()})
