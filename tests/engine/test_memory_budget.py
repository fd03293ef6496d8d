"""Will a render fit in memory? Free memory read from the system, the estimate checked
against a real render, and a batch that does not fit refused before any work."""
import json
import subprocess
import sys
import textwrap

import pytest

from course_utils.engine import memory_budget as budget
from course_utils.errors import CourseError
from course_utils.optim import channel, render
from model_watch import gradient_forwards


QUICK = dict(size=16, steps=2, progress=False)


# TinyNet at 16 px, up to conv2 ('mid'): conv1 4x16x16 + relu1 4x16x16 + conv2 6x8x8 values
TINY_MID_VALUES = 4 * 16 * 16 + 4 * 16 * 16 + 6 * 8 * 8


def free_memory_for(monkeypatch, model, images: float):
    """Pretend exactly ``images`` images' worth of usable memory is free."""
    per_image = budget.bytes_per_image(model, ["mid"], model.input_size)
    free = int(images * per_image / budget.USABLE_FRACTION)
    monkeypatch.setattr(budget, "available_bytes", lambda device=None: free)


def test_meminfo_available_is_read_in_bytes(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree:  100 kB\nMemAvailable:  1234 kB\n")
    assert budget._read_meminfo_available(str(meminfo)) == 1234 * 1024
    assert budget._read_meminfo_available(str(tmp_path / "missing")) is None


@pytest.mark.parametrize("files, room", [
    ({"memory.max": "max", "memory.current": "5"}, None),
    ({"memory.max": "1000", "memory.current": "300"}, 700),
    ({"memory/memory.limit_in_bytes": "9223372036854771712",
      "memory/memory.usage_in_bytes": "5"}, None),
    ({"memory/memory.limit_in_bytes": "4096", "memory/memory.usage_in_bytes": "96"}, 4000),
    ({}, None),
])
def test_container_limit_is_respected(tmp_path, files, room):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert budget._read_cgroup_room(str(tmp_path)) == room


def test_free_cpu_memory_is_plausible():
    with open("/proc/meminfo") as f:
        total = next(int(l.split()[1]) * 1024 for l in f if l.startswith("MemTotal:"))
    free = budget.available_bytes("cpu")
    assert 0 < free <= total


def test_estimate_counts_the_layers_up_to_the_target(tiny):
    image = 3 * 16 * 16 * 8
    expected = budget.OVERHEAD * budget.BYTES_PER_VALUE * TINY_MID_VALUES + image
    assert budget.bytes_per_image(tiny, ["mid"], 16) == int(expected)
    # the whole network runs when the objective reads the logits
    every = TINY_MID_VALUES + 6 * 8 * 8
    assert budget.bytes_per_image(tiny, ["logits"], 16) == int(budget.OVERHEAD * 4 * every + image)
    # a penalty on the image alone costs no layer at all
    assert budget.bytes_per_image(tiny, ["input"], 16) == image


def test_estimate_grows_with_the_input_area(tiny):
    small = budget.bytes_per_image(tiny, ["mid"], 16)
    large = budget.bytes_per_image(tiny, ["mid"], 32)
    assert large == pytest.approx(4 * small, rel=0.01)


MEASURE = textwrap.dedent("""
    import json, sys, threading, time, torch
    torch.set_num_threads(1)
    from course_utils.models import load_model
    from course_utils.engine import memory_budget as budget
    from course_utils.optim import render_channels

    def anonymous_bytes():  # resident memory that is not file-backed code or data
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith("RssAnon:"))

    model = load_model("efficientnet_lite0", device="cpu", verbose=False)
    render_channels(model, "mid", [0], size=16, steps=1, input_size=32, progress=False)
    start = peak = anonymous_bytes()
    done = threading.Event()

    def watch():
        global peak
        while not done.is_set():
            peak = max(peak, anonymous_bytes())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    channels, size = list(range(int(sys.argv[1]))), int(sys.argv[2])
    render_channels(model, "mid", channels, size=size, steps=2, progress=False)
    done.set()
    watcher.join()
    estimate = len(channels) * budget.bytes_per_image(model, ["mid"], max(size, 224))
    print(json.dumps({"used": peak - start, "estimate": estimate}))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_estimate_bounds_the_memory_a_real_render_uses():
    """EfficientNet-Lite0, 4 images at 224 px: the estimate is above the peak growth of
    the process's memory during the render, but not wildly so."""
    out = subprocess.run([sys.executable, "-c", MEASURE, "4", "224"], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    numbers = json.loads(out.strip().splitlines()[-1])
    assert numbers["used"] < numbers["estimate"] < 3 * numbers["used"], numbers


def test_oversized_batch_is_refused_before_any_work(tiny, monkeypatch):
    free_memory_for(monkeypatch, tiny, 3.5)
    with gradient_forwards(tiny.module) as calls, pytest.raises(CourseError) as info:
        render(tiny, channel("mid", 0), batch=4, **QUICK)
    assert calls == []
    msg = str(info.value)
    assert "batch of 4 images" in msg and "At most 3 images" in msg
    assert "render_channels" in msg and "size=" in msg


def test_the_batch_the_message_suggests_does_fit(tiny, monkeypatch):
    free_memory_for(monkeypatch, tiny, 3.5)
    assert budget.max_batch(tiny, ["mid"], 16) == 3
    assert render(tiny, channel("mid", 0), batch=3, **QUICK).images.shape[0] == 3


def test_refusal_when_not_even_one_image_fits(tiny, monkeypatch):
    free_memory_for(monkeypatch, tiny, 0.5)
    with pytest.raises(CourseError, match="Not even one image"):
        render(tiny, "mid:0", **QUICK)


def test_unknown_free_memory_never_refuses(tiny, monkeypatch):
    monkeypatch.setattr(budget, "available_bytes", lambda device=None: None)
    assert render(tiny, "mid:0", batch=4, **QUICK).images.shape[0] == 4


def test_real_model_refuses_a_gallery_too_large_for_the_machine(effnet):
    free = budget.available_bytes("cpu")
    per_image = budget.bytes_per_image(effnet, ["mid"], 224)
    too_many = int(free / per_image) + 1
    with gradient_forwards(effnet.module) as calls, pytest.raises(CourseError) as info:
        render(effnet, channel("mid", 0), batch=too_many, size=224, steps=1, progress=False)
    assert calls == [] and f"batch of {too_many} images" in str(info.value)
