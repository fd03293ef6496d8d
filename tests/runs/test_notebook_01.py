"""Notebook 01 beyond nbval: run twice without leaking hooks; on InceptionV1's code path;
as the student version, with no exercise solved."""
import notebook_runs as runs

NAME = "01_feature_hierarchy.ipynb"


def test_runs_twice_without_leaking_hooks():
    assert "HOOKS_OK" in runs.run_twice(NAME)


def test_runs_on_inceptionv1_with_visible_skips_only(torch_home):
    text = runs.run_on_inceptionv1(NAME, torch_home)
    assert "Using inceptionv1" in text and "HOOKS_OK" in text
    for line in text.splitlines():
        if line.startswith(runs.SKIPPED):  # a skip names the check it skipped
            assert len(line) > len(runs.SKIPPED) + 10, line


def test_student_version_runs_top_to_bottom_on_the_references(tmp_path):
    text = runs.run_student(NAME, tmp_path)
    assert "HOOKS_OK" in text
    assert text.count(runs.NOT_DONE) == runs.solution_regions(NAME)
