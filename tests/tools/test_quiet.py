"""Known library warnings stay out of the notebooks; every other warning still shows."""
import subprocess
import sys

import pytest

KORNIA_WARNING = "torch.jit.script"


def _stderr(code: str) -> str:
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_importing_lucent_after_the_course_package_warns_nothing():
    bare = _stderr("from lucent.optvis import render")
    if KORNIA_WARNING not in bare:
        pytest.skip("this kornia/torch pair no longer warns at import: nothing to silence")
    quiet = _stderr("import course_utils\nfrom lucent.optvis import render, param, transform")
    assert "Warning" not in quiet, quiet


def test_other_warnings_still_show():
    code = "import course_utils, warnings\nwarnings.warn('learner warning', FutureWarning)"
    assert "learner warning" in _stderr(code)


def test_the_filter_is_only_active_while_kornia_is_imported():
    import warnings

    import course_utils  # noqa: F401  (imports kornia quietly)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.warn("`torch.jit.script` is deprecated (a later, unrelated call)",
                      FutureWarning)
    assert len(caught) == 1
