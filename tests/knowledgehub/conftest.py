import pytest

from knowledgehub import services


@pytest.fixture(autouse=True)
def themes(db):
    """The themes come with a migration; a transactional test's flush empties them."""
    services.themes_load()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
