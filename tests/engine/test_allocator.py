"""The allocator setting that lets optimization steps reuse freed memory."""
import os
import subprocess
import sys

import pytest

# A 64 MB block is above glibc's largest automatic mmap threshold (32 MB), so by default
# every allocation maps fresh pages (one fault per 4 KiB page) and every free unmaps them.
SCRIPT = r"""
import resource, sys, torch
from course_utils.engine.allocator import keep_freed_memory

applied = keep_freed_memory()
def faults_per_allocation():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        block = torch.ones(16_000_000)  # 64 MB, written in full
        del block
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
faults_per_allocation()  # the first allocation faults in either case
print(applied, faults_per_allocation())
"""
PAGES = 64e6 / 4096

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")


def _run(env_value=None):
    env = {k: v for k, v in os.environ.items() if k != "COURSE_MALLOC_TUNING"}
    if env_value is not None:
        env["COURSE_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    return out[0] == "True", float(out[1])


def test_freed_memory_is_reused_instead_of_faulted_in_again():
    applied, faults = _run()
    assert applied
    assert faults < 0.01 * PAGES, faults


def test_the_setting_can_be_turned_off():
    applied, faults = _run("0")
    assert not applied
    assert faults > 0.5 * PAGES, faults  # glibc's default: fresh pages every time
