"""Contract of the command line: every bad flag or value exits non-zero with one readable
error line and no traceback; good ones write the picture."""
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_fuzz import fuzz, time_limit
from course_utils.tools import cli
from course_utils import models

GOOD = {"--model": ["efficientnet_lite0", "auto"], "--steps": ["1"], "--size": ["16"],
        "--seed": ["0", "3"], "--layers": ["mid", "early,mid"], "--layer": ["mid", "conv1"],
        "--channels": ["0", "0,1", "0-2"], "--out": ["p.png"]}
BAD = {"--model": ["resnet", "", "inceptionv1", "Efficientnet"],
       "--steps": ["0", "-1", "zero", "1e3", "99999999999", "", "2.5"],
       "--size": ["4", "0", "abc", "99999", "1e9", ""],
       "--seed": ["-1", "x", "99999999999999999999999", ""],
       "--layers": ["", ",,", "mid,mid", "nope", "mid,", "logits", "mid,conv2"],
       "--layer": ["logits", "", "nope", "mid,late"],
       "--channels": ["a,b", "9", "5-2", "0-99999999999", "-1", "", "0,0", ",", "1-"],
       "--out": ["", "missing/p.png", "p.xyz", ".", "p"]}
SWITCHES = ["--json", "--no-progress", "--bogus", "-x"]


@pytest.fixture
def tiny_cli(tiny, monkeypatch, tmp_path):
    """The CLI on the tiny model (any EfficientNet name loads it), run in ``tmp_path``."""
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    monkeypatch.setattr(models, "_efficientnet", lambda name, device: tiny)
    monkeypatch.setattr(models, "_inceptionv1", lambda device: (_ for _ in ()).throw(
        models.inception_missing_error("no internet in the tests")))
    monkeypatch.setattr(models, "_can_reach", lambda *a, **k: False)
    monkeypatch.setattr(models, "inception_weights_cached", lambda: False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(["poster", "gallery", "layers", "draw", ""]))
    argv = [command] if command else []
    bad = draw(st.sets(st.sampled_from(sorted(BAD)), max_size=2))
    for flag in sorted(GOOD):
        if flag in bad:
            argv += [flag, draw(st.sampled_from(BAD[flag]))]
        elif flag in ("--steps", "--size", "--out") or draw(st.booleans()):
            argv += [flag, draw(st.sampled_from(GOOD[flag]))]
    argv += draw(st.lists(st.sampled_from(SWITCHES), max_size=2, unique=True))
    return argv


def run_main(argv, capsys):
    try:
        with time_limit():
            code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@fuzz(150)
@given(argv=command_lines())
def test_command_lines(tiny_cli, capsys, argv):
    for stale in tiny_cli.glob("*.png"):
        stale.unlink()
    code, out, err = run_main(argv, capsys)
    assert "Traceback" not in err
    if code == 0:
        if argv[0] != "layers":
            assert (tiny_cli / "p.png").read_bytes()[:4] == b"\x89PNG"
            for line in out.splitlines():
                if line.startswith("{"):
                    assert set(json.loads(line)) >= {"layer", "channel", "activation_end"}
        return
    assert code not in (None, 0), err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and len(errors[0]) > len("error: "), err


def test_a_bad_value_in_a_real_process_is_one_line_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "course_utils", "gallery", "--out",
                           str(tmp_path / "missing" / "g.png"), "--channels", "0-99999999999"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr
