"""available_models: the networks load_model can load here and now."""
import pytest

from course_utils import models
from course_utils.errors import CourseError


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(models, "inception_weights_cached", lambda: False)
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: False)


def test_offline_both_efficientnets_and_no_inception(offline):
    assert models.available_models() == ["efficientnet_lite0", "efficientnet_lite2"]
    assert set(models.available_models()) <= set(models.MODEL_NAMES) - {"auto"}


def test_cached_inception_weights_make_it_available(offline, monkeypatch):
    monkeypatch.setattr(models, "inception_weights_cached", lambda: True)
    assert models.available_models()[-1] == "inceptionv1"


def test_the_internet_counts_only_when_asked_to_check_it(offline, monkeypatch):
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: True)
    assert "inceptionv1" in models.available_models()
    assert "inceptionv1" not in models.available_models(check_internet=False)


def test_a_missing_weights_package_leaves_its_network_out(offline, monkeypatch):
    real = models.importlib.util.find_spec
    missing = models.EFFICIENTNETS["efficientnet_lite2"]["package"]
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name, *a: None if name == missing else real(name, *a))
    assert models.available_models() == ["efficientnet_lite0"]


def test_check_internet_must_be_true_or_false():
    with pytest.raises(CourseError, match="check_internet must be True or False, got 'yes'"):
        models.available_models(check_internet="yes")
