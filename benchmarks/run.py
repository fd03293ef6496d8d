"""Side-by-side benchmark: Lucent ``render_vis`` vs ``course_utils`` in one process.

Both render the same channel with the same parameterization (FFT + decorrelated
colour), comparable random transforms, the same step count, output size and model
input size (Lucent upsamples images under 224 px to 224; course_utils is told to do
the same). Runs are interleaved and repeated; the reported time is the median seconds
per step, and the activation is measured identically for both on the final image
(the channel's mean at 224 px, no random transforms, on the unmodified model).

    python benchmarks/run.py            # full run (several minutes)
    python benchmarks/run.py --quick    # under a minute, same output format

The last line is machine-readable:
    speedup_effnet=X speedup_incv1=Y speedup_gallery=Z activation_ratio=W
"""
import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils.tools.lucent_bridge import lucent_render  # noqa: E402
from course_utils.models import load_model  # noqa: E402
from course_utils.engine import keep_freed_memory, without_speed_ups  # noqa: E402
from course_utils.optim import evaluate, render, render_channels  # noqa: E402

INPUT = 224


def as_lucent_users_load_it(model):
    """Lucent's tutorials call ``model.eval()`` but leave weights trainable: a copy so."""
    clone = copy.copy(model)
    clone.module = copy.deepcopy(model.module)
    for p in clone.module.parameters():
        p.requires_grad_(True)
    return clone


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def score(model, layer, channel, image):
    with without_speed_ups():  # measured on the unmodified model, as for Lucent's images
        return float(evaluate(model, f"{layer}:{channel}", image, input_size=INPUT)[0])


def warm_up(model, lucent_model, layer, channel, size):
    """One short render each, untimed: builds caches (render copy, kernels) first."""
    lucent_render(lucent_model, layer, channel, size=size, steps=2)
    render(model, f"{layer}:{channel}", size=size, steps=2, input_size=INPUT)


def single_case(name, model, layer, channel, size, steps, repeats, log):
    """Median s/step for Lucent and course_utils on one channel, interleaved."""
    lucent_model = as_lucent_users_load_it(model)
    warm_up(model, lucent_model, layer, channel, size)
    lucent_t, ours_t, lucent_img, ours_img = [], [], None, None
    for r in range(repeats):
        lucent_img, t = timed(lambda: lucent_render(lucent_model, layer, channel, size=size,
                                                    steps=steps, seed=r))
        lucent_t.append(t / steps)
        result, t = timed(lambda: render(model, f"{layer}:{channel}", size=size, steps=steps,
                                         seed=r, input_size=INPUT))
        ours_img = result.images
        ours_t.append(t / steps)
    row = {"case": name, "layer": model.resolve(layer), "channel": channel, "steps": steps,
           "lucent_s_per_step": statistics.median(lucent_t),
           "ours_s_per_step": statistics.median(ours_t),
           "lucent_activation": score(model, layer, channel, lucent_img),
           "ours_activation": score(model, layer, channel, ours_img)}
    row["speedup"] = row["lucent_s_per_step"] / row["ours_s_per_step"]
    log(row)
    return row


def gallery_case(model, layer, channels, size, steps, log):
    """Ten channels: Lucent one after another vs course_utils batched / in 2 processes."""
    lucent_model = as_lucent_users_load_it(model)
    warm_up(model, lucent_model, layer, channels[0], size)
    lucent_imgs, lucent_s = timed(lambda: [
        lucent_render(lucent_model, layer, c, size=size, steps=steps) for c in channels])
    ways = {
        "batched": lambda: render_channels(model, layer, channels, size=size, steps=steps,
                                           input_size=INPUT),
        "2 processes": lambda: render_channels(model, layer, channels, workers=2, size=size,
                                               steps=steps, input_size=INPUT),
    }
    timings = {}
    for way, fn in ways.items():
        result, seconds = timed(fn)
        timings[way] = (seconds, result)
    best = min(timings, key=lambda w: timings[w][0])
    seconds, result = timings[best]
    lucent_act = [score(model, layer, c, img) for c, img in zip(channels, lucent_imgs)]
    ours_act = [score(model, layer, c, result.images[i:i + 1]) for i, c in enumerate(channels)]
    row = {"case": "gallery", "layer": model.resolve(layer), "channels": len(channels),
           "steps": steps, "lucent_seconds": lucent_s, "ours_seconds": seconds, "ours_way": best,
           "ways": {w: round(t, 2) for w, (t, _) in timings.items()},
           "lucent_activation": statistics.mean(lucent_act),
           "ours_activation": statistics.mean(ours_act)}
    row["speedup"] = lucent_s / seconds
    log(row)
    return row


def inception(real: bool):
    """InceptionV1 with its real weights when cached, else random weights (timing only)."""
    from course_utils.models import inception_weights_cached

    if real and inception_weights_cached():
        return load_model("inceptionv1", device="cpu", verbose=False), "real weights"
    from lucent.modelzoo import inceptionv1

    from course_utils.models import wrap_inceptionv1

    torch.manual_seed(0)
    return wrap_inceptionv1(inceptionv1(pretrained=False), device="cpu"), "random weights"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="under a minute, fewer steps")
    args = parser.parse_args(argv)
    steps, inc_steps, gal_steps, repeats, size = ((24, 8, 12, 1, 128) if args.quick
                                                  else (256, 48, 128, 5, 128))
    torch.set_num_threads(2)

    def log(row):
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
              flush=True)

    # render() sets this on first use; set it up front so that Lucent, which runs first
    # and in the same process, gets the same allocator from its first step.
    kept = keep_freed_memory()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{'quick' if args.quick else 'full'} mode, allocator keeps freed memory: {kept} "
          "(for both)", flush=True)
    effnet = load_model("efficientnet_lite0", device="cpu", verbose=False)
    rows = [single_case("effnet", effnet, "mid", 0, size, steps, repeats, log)]
    incv1, weights = inception(real=True)
    print(f"InceptionV1 with {weights}", flush=True)
    rows.append(single_case("incv1", incv1, "mixed4a", 0, size, inc_steps, repeats, log))
    rows.append(gallery_case(effnet, "mid", list(range(10)), size, gal_steps, log))
    ratio = min(r["ours_activation"] / r["lucent_activation"] for r in rows
                if r["case"] != "incv1" or weights == "real weights")
    print(f"speedup_effnet={rows[0]['speedup']:.2f} speedup_incv1={rows[1]['speedup']:.2f} "
          f"speedup_gallery={rows[2]['speedup']:.2f} activation_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
