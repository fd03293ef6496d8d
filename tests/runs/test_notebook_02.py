"""Notebook 02 beyond nbval: run twice without leaking hooks, on InceptionV1's code path, and as
the student version with no exercise solved (see notebook_runs)."""
from notebook_runs import notebook_tests

globals().update(notebook_tests("02_activation_maximization.ipynb", twice=True))
