"""The package's face: require() fails early with the fix, report_time() says how long a
notebook took, python -m course_utils is the command line."""
import subprocess
import sys

import pytest

import course_utils


def test_require_refuses_a_newer_version_with_how_to_update():
    course_utils.require("0.1")
    course_utils.require(course_utils.__version__)
    with pytest.raises(ImportError, match="pip install -U"):
        course_utils.require("99.0")


def test_report_time_counts_from_the_setup_cell(capsys):
    course_utils.require("0.1")
    seconds = course_utils.report_time()
    out = capsys.readouterr().out
    assert 0 <= seconds < 60 and "from its setup cell" in out and "mode" in out


def test_python_m_course_utils_is_the_command_line():
    done = subprocess.run([sys.executable, "-m", "course_utils", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "poster" in done.stdout and "gallery" in done.stdout
