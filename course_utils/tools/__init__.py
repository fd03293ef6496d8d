"""What notebooks and instructors use but never study: ``plotting`` (figures),
``expect`` (the notebooks' one-line checks), ``explorer`` and ``example_browser``
(widgets), ``lucent_bridge`` (Lucent on a course model), ``poster`` and ``cli``
(pre-rendered posters and galleries), ``notebook_tools`` (strip, check, student
versions), ``links`` (the repository's address) and ``quiet`` (known library warnings
kept out of notebooks). Import the module you need; nothing is imported here.
"""
