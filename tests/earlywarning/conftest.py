import io

import pytest
from django.core.management import call_command

from earlywarning.models import SignalType


@pytest.fixture
def catalogue(db):
    call_command("load_signal_types", stdout=io.StringIO())
    return {t.code: t for t in SignalType.objects.all()}
