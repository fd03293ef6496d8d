"""The instructors' CLI: JSON lines that prove each cell worked, posters labelled by stage and
layer with random-image scores; clean errors otherwise."""
import json
import subprocess
import sys

import matplotlib.pyplot as plt
import pytest

from course_utils.tools.cli import main


def test_poster_writes_png_and_one_json_line_per_cell(tmp_path, capsys, effnet, monkeypatch):
    monkeypatch.setattr("course_utils.models.load_model", lambda *a, **k: effnet)
    out = tmp_path / "poster.png"
    # the acceptance command, with one stage given by its real layer name
    code = main(["poster", "--model", "efficientnet_lite0", "--layers", "early,_blocks.8,late",
                 "--channels", "0,5,9", "--steps", "64", "--size", "96", "--out", str(out),
                 "--json", "--no-progress"])
    assert code == 0 and out.read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if line.startswith("{")]
    assert len(rows) == 9
    assert {(r["layer"], r["channel"]) for r in rows} == {
        (layer, c) for layer in ("_blocks.2", "_blocks.8", "_blocks.14") for c in (0, 5, 9)}
    for r in rows:
        assert r["activation_end"] > r["activation_start"], r
        assert r["activation_end"] > r["activation_random"], r


@pytest.mark.parametrize("args, words", [
    (["poster", "--out", "x.png", "--steps", "zero"], "positive integer"),
    (["poster", "--out", "x.png", "--channels", "a,b"], "channel list"),
    (["poster", "--out", "x.png", "--size", "4"], "too small"),
    (["poster"], "--out"),
    (["draw"], "invalid choice"),
])
def test_bad_arguments_give_usage_and_exit_2(args, words):
    proc = subprocess.run([sys.executable, "-m", "course_utils", *args], capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and words in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, words", [
    (["--layers", "mid,mixed4", "--channels", "0"], "Unknown layer 'mixed4'"),
    (["--layers", "early", "--channels", "0,500"], "24 channels"),
])
def test_course_errors_are_reported_without_traceback(args, words, effnet, monkeypatch,
                                                      capsys):
    monkeypatch.setattr("course_utils.models.load_model", lambda *a, **k: effnet)
    code = main(["poster", "--out", "x.png", "--steps", "2", *args])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "usage:" in err


def test_cli_poster_passes_stage_and_layer_labels_and_random_scores(effnet, monkeypatch,
                                                                    tmp_path):
    from course_utils.tools import cli

    seen = {}

    def capture(images, rows, cols, **kwargs):
        seen.update(kwargs, rows=rows, cols=cols)
        return plt.figure()

    monkeypatch.setattr("course_utils.models.load_model", lambda *a, **k: effnet)
    monkeypatch.setattr("course_utils.tools.plotting.poster", capture)
    assert cli.main(["poster", "--layers", "early,_blocks.8", "--channels", "1,2",
                     "--steps", "2", "--size", "32", "--out", str(tmp_path / "p.png"),
                     "--no-progress"]) == 0
    assert seen["row_labels"] == [f"early stage\n{effnet.stages['early']}", "_blocks.8"]
    assert set(seen["baselines"]) == set(seen["values"]) == {
        (layer, c) for layer in (effnet.stages["early"], "_blocks.8") for c in (1, 2)}
    assert "2 steps" in seen["title"] and "32 px" in seen["title"]
