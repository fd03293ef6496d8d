"""Notebook 06 beyond nbval: on InceptionV1's code path, and as
the student version with no exercise solved (see notebook_runs)."""
from notebook_runs import notebook_tests

globals().update(notebook_tests("06_comparing_architectures.ipynb", twice=False))
