"""Notebook 01 survives running every cell twice and leaves no hooks."""
from notebook_rerun import run_twice


def test_notebook_01_runs_twice_without_leaking_hooks():
    assert "HOOKS_OK" in run_twice("01_feature_hierarchy.ipynb")
