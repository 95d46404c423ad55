from django.shortcuts import render

from selfreg.decorators import sector_staff_required


@sector_staff_required
def index(request):
    return render(request, "earlywarning/index.html")
