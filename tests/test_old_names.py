"""The previous release's names still work for a notebook saved with it, each with a
FutureWarning that names the new spelling, and give the very same objects."""
import json
import subprocess
import sys
import textwrap

from course_utils import old_names

# What a learner's saved copy of the previous release's notebooks runs (their imports).
SAVED_NOTEBOOK = textwrap.dedent("""
    import json, warnings
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as caught:
        from course_utils import load_model, plotting
        from course_utils.checks import describe_training, expect, recognises_photos
        from course_utils.config import fast_mode, steps, size
        from course_utils.hooks import INPUT as IMAGE, count_hooks
        from course_utils.models import available_models, randomized_copy
        from course_utils.metrics import class_rank, power_spectrum
        from course_utils.optim.param import COLOR_SQRT_COV_NORMALIZED as COLOR_MIX
        from course_utils.sanity import map_agreement, randomization_test, saliency
        from course_utils.dataset_examples import top_examples
        from course_utils.example_browser import ExampleBrowser
        from course_utils.explorer import Explorer
        from course_utils.image_bank import build_bank
        from course_utils.lucent_bridge import lucent_render
        from course_utils.receptive_field import receptive_field
        from course_utils.shortcut_data import make_scans
        from course_utils.shortcut_model import train_scan_model
        from course_utils.shortcut_probes import corner_channels
        from course_utils.two_afc import two_afc
        from course_utils.watermark import add_watermark, class_index
        from course_utils.optim import render
        model = load_model("efficientnet_lite0", verbose=False)
        result = render(model, "mid:0", size=16, steps=1, progress=False)
        score = result.activation
    import course_utils.tools.expect, course_utils.config, course_utils.studies.randomization
    same = [expect is course_utils.tools.expect.expect, steps is course_utils.config.full_or_fast,
            randomized_copy is course_utils.studies.randomization.randomized_copy,
            IMAGE == "input", (score == result.score).all().item(), STEPS_OK,
            class_index(model, "carton") == model.class_index("carton")]
    print(json.dumps({"same": same, "warnings": [
        [w.category.__name__, str(w.message), w.filename] for w in caught]}))
""").replace("STEPS_OK", "steps(2, 1) in (1, 2)")


def test_a_saved_notebook_runs_and_is_told_every_new_spelling():
    out = subprocess.run([sys.executable, "-c", SAVED_NOTEBOOK], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert all(report["same"]), report["same"]
    warned = [message for category, message, _ in report["warnings"] if category == "FutureWarning"]
    for new in ["course_utils.tools.plotting", "course_utils.tools.expect",
                "course_utils.config.full_or_fast", "course_utils.hooks.IMAGE",
                "course_utils.studies.randomization.randomized_copy",
                "course_utils.studies.metrics", "course_utils.optim.param.COLOR_MIX",
                "course_utils.studies.randomization", "course_utils.tools.explorer",
                "RenderResult.score", "course_utils.studies.watermark",
                "course_utils.course_model.CourseModel.class_index"]:
        assert any(f"is now {new};" in m for m in warned), (new, warned)
    # each warning points at the learner's own line, not at the import machinery
    assert {filename for category, _, filename in report["warnings"]
            if category == "FutureWarning"} == {"<string>"}


def test_the_new_names_warn_nothing():
    code = ("import warnings; warnings.simplefilter('error', FutureWarning)\n"
            "from course_utils.tools import plotting\nfrom course_utils.tools.expect import expect\n"
            "from course_utils.config import full_or_fast\nfrom course_utils.hooks import IMAGE\n"
            "from course_utils.studies.randomization import randomized_copy\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_every_old_module_is_gone_and_its_new_module_exists():
    from pathlib import Path

    import importlib.util

    package = Path(old_names.__file__).parent
    for old, new in old_names.MOVED.items():
        assert not (package / f"{old.split('.')[-1]}.py").exists(), f"{old} is still a module"
        assert importlib.util.find_spec(new) is not None, (old, new)


def test_an_unknown_name_is_still_an_attribute_error():
    import course_utils.config

    try:
        course_utils.config.no_such_name
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown name must not resolve")
