"""Notebook 02 survives running every cell twice and leaves no hooks."""
from notebook_rerun import run_twice


def test_notebook_02_runs_twice_without_leaking_hooks():
    assert "HOOKS_OK" in run_twice("02_activation_maximization.ipynb")
