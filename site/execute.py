"""Execute the course notebooks into a folder, with their figures, for the site.

    python site/execute.py --out build/executed notebooks/[0-9]*.ipynb

Each notebook runs top to bottom in a fresh kernel whose working directory is the
notebook's own folder. The kernel always draws figures inline (embedded PNGs): a
``MPLBACKEND`` inherited from the shell (``Agg`` draws nothing) is removed from its
environment. The executed copy records how it was made in ``metadata.course_build``
(model, fast mode, seconds), which the site's footer reports.
"""
import argparse
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

KERNEL = "python3"


def kernel_env(base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment a notebook kernel gets: the caller's, minus any ``MPLBACKEND``,
    so that ipykernel selects the inline backend and figures are embedded."""
    env = dict(os.environ if base is None else base)
    env.pop("MPLBACKEND", None)
    return env


def build_record(seconds: float, executor: str) -> dict:
    """What ``metadata.course_build`` says about one execution."""
    fast = os.environ.get("COURSE_FAST", "").strip().lower() in {"1", "true", "yes", "on"}
    return {"model": os.environ.get("COURSE_MODEL", "").strip() or "auto", "fast": fast,
            "executor": executor, "seconds": round(seconds, 1)}


def execute_one(path: Path, out_dir: Path, timeout: int = -1) -> float:
    """Run ``path`` and write the executed copy to ``out_dir``; return the seconds taken.

    When a cell fails, the copy is written anyway (with the error in it) and the
    ``nbclient`` error is raised."""
    import nbclient
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=None if timeout < 0 else timeout,
                                     kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(env=kernel_env())
    finally:
        seconds = time.perf_counter() - start
        nb.metadata["course_build"] = build_record(seconds, "nbclient")
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out_dir / path.name))
    return seconds


def execute_all(paths: List[Path], out_dir: Path, timeout: int = -1) -> Dict[str, float]:
    """Execute the notebooks one after the other, printing progress; stop at the first
    failure. Returns seconds per notebook name."""
    times = {}
    for i, path in enumerate(paths, 1):
        print(f"==> [{i}/{len(paths)}] executing {path.name}", flush=True)
        times[path.name] = execute_one(path, out_dir, timeout)
        print(f"    done in {times[path.name]:.0f} s", flush=True)
    return times


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for executed copies")
    parser.add_argument("--timeout", type=int, default=-1,
                        help="seconds per cell (default: no limit)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    try:
        execute_all(sorted(args.notebooks), args.out, args.timeout)
    except Exception as exc:  # nbclient's CellExecutionError carries the cell and traceback
        print(f"error: a notebook failed; its partial copy is in {args.out}\n{exc}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
