"""Command line for instructors: pre-render posters and galleries.

    python -m course_utils poster --model efficientnet_lite0 --layers early,mid,late \\
        --channels 0,5,9 --steps 256 --size 128 --out poster.png --json
    python -m course_utils gallery --layer mid --channels 0-9 --out gallery.png
    python -m course_utils layers --model efficientnet_lite0
"""
import argparse
import json
import os
import sys
from typing import List, Optional

import matplotlib.pyplot as plt
from matplotlib.backend_bases import FigureCanvasBase

from .. import contract
from ..errors import CourseError
from ..models import load_model
from . import plotting
from .poster import render_poster


MAX_CHANNELS = 4096  # more cells than any poster or gallery can show


def _channels(text: str) -> List[int]:
    """'0,5,9' or '0-9' or '0-3,7' → a list of channel indices, each once."""
    out = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                lo, hi = (int(p) for p in part.split("-", 1))
                if hi < lo or hi - lo >= MAX_CHANNELS:
                    raise argparse.ArgumentTypeError(
                        f"{part!r} is not a range of channels; use low-high with low <= high "
                        f"and at most {MAX_CHANNELS} channels, e.g. 0-9")
                out.extend(range(lo, hi + 1))
            elif part:
                out.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a channel list; use e.g. 0,5,9 or 0-9") from None
    if not out:
        raise argparse.ArgumentTypeError("give at least one channel, e.g. 0,5,9")
    if len(set(out)) != len(out) or len(out) > MAX_CHANNELS:
        raise argparse.ArgumentTypeError(f"{text!r} lists a channel twice (or more than "
                                         f"{MAX_CHANNELS}); give each channel once")
    return out


def _whole(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what} from {low} to {high}")
    return value


def _positive(text: str) -> int:
    return _whole(text, 1, contract.MAX_STEPS, "a positive integer")


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer") from None
    if value < 16:
        raise argparse.ArgumentTypeError(f"size {value} is too small; use 16 pixels or more")
    return _whole(text, 16, contract.MAX_SIDE, "an image side in pixels")


def _seed(text: str) -> int:
    return _whole(text, 0, 2 ** 63 - 1, "a seed (a whole number)")


def _out(path: str) -> str:
    """A file name whose folder exists and whose extension matplotlib can write."""
    formats = FigureCanvasBase.get_supported_filetypes()
    folder = os.path.dirname(os.path.abspath(path)) if path else ""
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    if not path or os.path.isdir(path):
        raise CourseError(f"--out {path!r} is not a file name: give one such as poster.png.")
    if extension not in formats:
        raise CourseError(f"--out {path!r} needs an image extension matplotlib can write: "
                          f"{', '.join(sorted(formats))} (e.g. poster.png).")
    if not os.path.isdir(folder):
        raise CourseError(f"--out {path!r}: the folder {folder} does not exist; create it "
                          "first or write elsewhere.")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils",
                                     description="Pre-render feature visualizations.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--model", default="auto",
                       help="efficientnet_lite0, inceptionv1 or auto (default)")
        p.add_argument("--steps", type=_positive, default=256, help="optimization steps")
        p.add_argument("--size", type=_size, default=128, help="image side in pixels")
        p.add_argument("--seed", type=_seed, default=0)
        p.add_argument("--out", required=True, help="PNG file to write")
        p.add_argument("--json", action="store_true",
                       help="print one JSON object per image, one per line")
        p.add_argument("--no-progress", action="store_true", help="hide progress bars")

    poster = sub.add_parser("poster", help="layers × channels grid")
    poster.add_argument("--layers", default="early,mid,late",
                        help="comma-separated stage names or layer names")
    poster.add_argument("--channels", type=_channels, default=[0, 5, 9])
    common(poster)

    gallery = sub.add_parser("gallery", help="several channels of one layer")
    gallery.add_argument("--layer", default="mid", help="stage name or layer name")
    gallery.add_argument("--channels", type=_channels, default=list(range(10)))
    common(gallery)

    layers = sub.add_parser("layers", help="list a model's stages and hookable layers")
    layers.add_argument("--model", default="auto")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except CourseError as exc:
        parser.print_usage(sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def layer_label(model, name: str) -> str:
    """'mid stage' over '_blocks.8' for a stage; the layer name alone otherwise."""
    if name in model.stages:
        return f"{name} stage\n{model.resolve(name)}"
    return model.resolve(name)


def inline_label(model, name: str) -> str:
    """'mid stage (_blocks.8)' for a stage; the layer name alone otherwise."""
    return f"{name} stage ({model.resolve(name)})" if name in model.stages \
        else model.resolve(name)


def _run(args) -> int:
    if args.command != "layers":  # a bad output file is found before any work
        _out(args.out)
    model = load_model(args.model, verbose=True)
    if args.command == "layers":
        print(model.describe())
        for name, count in model.layers.items():
            print(f"{name}\t{count}")
        return 0

    layers = [s.strip() for s in args.layers.split(",") if s.strip()] \
        if args.command == "poster" else [args.layer]
    if not layers:
        raise CourseError(f"--layers {args.layers!r} names no layer: use e.g. early,mid,late.")
    cells = render_poster(model, layers, args.channels, steps=args.steps, size=args.size,
                          seed=args.seed, progress=not args.no_progress)
    images = {(cell.layer, cell.channel): cell.image for cell in cells}
    values = {(cell.layer, cell.channel): cell.activation_end for cell in cells}
    randoms = {(cell.layer, cell.channel): cell.activation_random for cell in cells}
    rows = list(dict.fromkeys(cell.layer for cell in cells))
    labels = [layer_label(model, n) for n in layers]
    title = f"{model.name}: {args.steps} steps, {args.size} px"
    if args.command == "poster":
        fig = plotting.poster(images, rows, args.channels, row_labels=labels, values=values,
                              baselines=randoms, title=title, save=args.out)
    else:
        fig = plotting.gallery([c.image for c in cells], [f"channel {c.channel}" for c in cells],
                               captions=[f"activation {c.activation_end:.1f}" for c in cells],
                               suptitle=f"{model.name}, {inline_label(model, layers[0])}: "
                                        f"{args.steps} steps, {args.size} px",
                               save=args.out)
    plt.close(fig)
    if args.json:
        for cell in cells:
            print(json.dumps(cell.as_dict()), flush=True)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
