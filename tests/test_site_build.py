"""site/build.py: what the course site is generated from (no Jupyter Book run here;
tests/site/ checks the built pages)."""
import datetime
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def load_site_script(name: str):
    spec = importlib.util.spec_from_file_location(f"course_site_{name}",
                                                  ROOT / "site" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_site_script("build")


def _executed(source: Path, model="efficientnet_lite0", fast=True):
    nb = nbformat.read(str(source), as_version=4)
    nb.metadata["course_build"] = {"model": model, "fast": fast, "executor": "nbval",
                                   "seconds": 12.0}
    return nb


def _fake_render(out, model, fast):
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for entry in build.POSTERS:
        (out / entry["file"]).write_bytes(b"\x89PNG fake")
        cells = [{"layer": "_blocks.8", "stage": "mid", "channel": c,
                  "activation_start": 0.0, "activation_end": 10.0 + c,
                  "activation_random": -1.0} for c in (0, 5)]
        made.append((entry, cells, 32, 64))
    return made


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_gives_title_learn_and_time(path):
    nb = nbformat.read(str(path), as_version=4)
    info = build.describe(path.name, nb)
    opening = nb.cells[0].source
    assert info.number == path.name[:2] and info.title and info.title in " ".join(opening.split())
    assert info.time and info.time.split()[0] in opening.split("**Time:**")[1]
    assert "\n" not in info.learn and len(info.learn) > 40


def test_an_opening_without_a_time_line_is_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 09 · Title\n\n**What you will learn.** x")]
    with pytest.raises(build.SiteError, match=r"09_x.ipynb.*\*\*Time:\*\*"):
        build.describe("09_x.ipynb", nb)


def test_missing_executed_copy_is_named(tmp_path):
    with pytest.raises(build.SiteError, match=NOTEBOOKS[0].name):
        build.read_executed(tmp_path, NOTEBOOKS[:1])


def test_notebooks_from_different_runs_are_refused():
    a = _executed(NOTEBOOKS[0], model="efficientnet_lite0")
    b = _executed(NOTEBOOKS[1], model="efficientnet_lite2")
    with pytest.raises(build.SiteError, match="different runs"):
        build.build_record({"a.ipynb": a, "b.ipynb": b})
    c = nbformat.read(str(NOTEBOOKS[0]), as_version=4)
    with pytest.raises(build.SiteError, match="course_build"):
        build.build_record({"c.ipynb": c})


def test_widgets_become_a_note_and_empty_displays_go():
    nb = nbformat.v4.new_notebook()
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
              "text/plain": "VBox(children=(HBox(...),))"}
    tqdm = {"application/vnd.jupyter.widget-view+json": {"model_id": "y"},
            "text/plain": " 50%|#####     | 16/32"}
    cell = nbformat.v4.new_code_cell("explorer.show()")
    cell.outputs = [nbformat.v4.new_output("display_data", data=widget),
                    nbformat.v4.new_output("display_data", data=tqdm),
                    nbformat.v4.new_output("display_data", data={"text/plain": "",
                                                                 "text/html": ""}),
                    nbformat.v4.new_output("stream", name="stdout", text="kept\n")]
    nb.cells = [cell]
    out = build.clean_for_site(nb).cells[0].outputs
    assert len(out) == 2
    assert "Interactive widget" in out[0].data["text/html"]
    assert not any(build.WIDGET_MIME in o.get("data", {}) for o in out)
    assert out[1].text == "kept\n"


def test_remote_images_in_the_text_become_links():
    from course_utils.tools import links

    badge = links.colab_badge("01_x.ipynb")
    text = build.offline_markdown(f"# T\n\n{badge}\n\n![a chart](https://example.org/c.png)")
    assert "colab-badge.svg" not in text and "![" not in text
    assert f"[Open In Colab]({links.colab_url('01_x.ipynb')})" in text
    assert "[a chart](https://example.org/c.png)" in text
    assert build.offline_markdown("![local](posters/p.png)") == "![local](posters/p.png)"


def test_footer_names_model_mode_date_and_versions():
    versions = build.package_versions()
    text = build.footer({"model": "efficientnet_lite2", "fast": True}, versions,
                        datetime.date(2026, 11, 23))
    assert "efficientnet_lite2" in text and "fast mode" in text and "2026-11-23" in text
    from importlib.metadata import version

    assert f"torch {version('torch')}," in text and "jupyter-book 1." in text
    assert f"course-utils {version('course-utils')}" in text
    assert "full mode" in build.footer({"model": "m", "fast": False}, versions,
                                       datetime.date.today())


def test_poster_caption_says_model_layers_channels_steps_and_numbers():
    cells = [{"layer": layer, "stage": stage, "channel": c, "activation_start": 0.0,
              "activation_end": end, "activation_random": rand}
             for (layer, stage) in (("_blocks.2", "early"), ("_blocks.8", "mid"))
             for c, end, rand in ((0, 4.25, -0.5), (9, 20.0, 1.5))]
    text = build.poster_caption({"title": "T"}, cells, "efficientnet_lite0", 256, 128)
    for words in ("efficientnet_lite0", "early stage (_blocks.2)", "mid stage (_blocks.8)",
                  "channels 0, 9", "256 steps at 128 px", "4.2 to 20.0", "-0.5 to 1.5"):
        assert words in text, words


def test_staging_picks_up_every_notebook_including_new_ones(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    executed = tmp_path / "executed"
    executed.mkdir()
    sources = NOTEBOOKS + [NOTEBOOKS[-1]]
    names = [p.name for p in NOTEBOOKS] + [f"{len(NOTEBOOKS) + 1:02d}_a_new_notebook.ipynb"]
    for source, name in zip(sources, names):
        nb = _executed(source)
        nb.cells[0].source = nb.cells[0].source.replace(
            nb.cells[0].source.split("\n")[0], f"# {name[:2]} · Title of {name}")
        nbformat.write(nb, str(root / "notebooks" / name))
        nbformat.write(nb, str(executed / name))
    monkeypatch.setattr(build, "ROOT", root)
    staged = tmp_path / "staged"
    record = build.stage(executed, staged, datetime.date(2026, 11, 23), render=_fake_render)
    assert record["model"] == "efficientnet_lite0" and record["fast"] is True
    toc = yaml.safe_load((staged / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert chapters == [f"notebooks/{Path(n).stem}" for n in names] + ["posters"]
    index = (staged / "index.md").read_text()
    for name in names:
        assert f"(notebooks/{name})" in index and f"Title of {name}" in index
        assert (staged / "notebooks" / name).is_file()
    assert "(posters.md)" in index and "$" not in index.replace("$ ", "")
    from course_utils.tools import links

    assert links.colab_url(names[-1]) in index and links.binder_url(names[-1]) in index
    config = yaml.safe_load((staged / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["repository"]["url"] == links.REPO_URL
    assert "efficientnet_lite0" in config["html"]["extra_footer"]
    posters = (staged / "posters.md").read_text()
    assert posters.count("```{figure} posters/") == len(build.POSTERS)
    assert "32 steps at 64 px" in posters and "channels 0, 5" in posters


def test_execute_script_strips_an_inherited_backend(monkeypatch):
    execute = load_site_script("execute")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert "MPLBACKEND" not in execute.kernel_env()
    monkeypatch.setenv("COURSE_MODEL", "efficientnet_lite2")
    monkeypatch.setenv("COURSE_FAST", "1")
    assert execute.build_record(3.21, "nbclient") == {
        "model": "efficientnet_lite2", "fast": True, "executor": "nbclient", "seconds": 3.2}


def test_poster_list_is_valid_for_the_command_line():
    from course_utils.tools.cli import build_parser

    for entry in build.POSTERS:
        args = build_parser().parse_args([entry["command"], *entry["args"], "--out", "x.png"])
        assert args.command == entry["command"]
    assert json.dumps([e["file"] for e in build.POSTERS])
