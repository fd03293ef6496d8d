"""Notebook 04 survives running every cell twice and leaves no hooks."""
from notebook_rerun import run_twice


def test_notebook_04_runs_twice_without_leaking_hooks():
    assert "HOOKS_OK" in run_twice("04_objectives_and_diversity.ipynb")
