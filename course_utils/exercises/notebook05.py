"""Notebook 05's exercise: the top-k tiles of a channel, each with the box of the input
that the channel's best position sees (its receptive field)."""
from typing import Callable, List, Tuple

import numpy as np

from ..studies.receptive_field import receptive_field
from .judging import ExerciseMistake, judge, practice_model

Box = Tuple[int, int, int, int]


# --- reference solution ----------------------------------------------------------------

def top_patches(best_value, best_position, grid_width: int, jump: int, offset: int,
                size: int, k: int) -> List[Tuple[int, Box]]:
    """The ``k`` tiles with the largest ``best_value``, strongest first, each as
    (tile index, (top, left, bottom, right)): the receptive field of the position
    ``best_position`` (a flat index, row * grid_width + column) in tile pixels."""
    chosen = []
    for tile in np.argsort(-np.asarray(best_value), kind="stable")[:k]:
        row, column = divmod(int(best_position[tile]), grid_width)
        top, left = offset + row * jump, offset + column * jump
        chosen.append((int(tile), (top, left, top + size, left + size)))
    return chosen


# --- checker ------------------------------------------------------------------------------

def _normalized(result) -> List[Tuple[int, Box]]:
    try:
        return [(int(t), tuple(int(v) for v in box)) for t, box in result]
    except (TypeError, ValueError):
        raise ExerciseMistake("return a list of (tile index, (top, left, bottom, right)) "
                              "pairs, strongest first.") from None


def check_top_patches(top_patches_fn: Callable) -> Callable:
    """Random tiles on grids of two shapes, then the real field of a small network."""
    def compare(fn, values, positions, width, jump, offset, size, k):
        got = _normalized(fn(values, positions, width, jump, offset, size, k))
        expected = top_patches(values, positions, width, jump, offset, size, k)
        if len(got) != len(expected):
            raise ExerciseMistake(f"asked for k={k}, got {len(got)} patches.")
        if [t for t, _ in got] == [t for t, _ in top_patches(-values, positions, width, jump,
                                                            offset, size, k)]:
            raise ExerciseMistake("those are the weakest tiles: sort from the largest value.")
        if [t for t, _ in got] != [t for t, _ in expected]:
            raise ExerciseMistake(f"the tiles should be {[t for t, _ in expected]} (largest "
                                  f"value first), got {[t for t, _ in got]}.")
        for (t, box), (_, right) in zip(got, expected):
            if box == right:
                continue
            row, column = divmod(int(positions[t]), width)
            swapped = (offset + column * jump, offset + row * jump)
            if box[:2] == swapped and row != column:
                raise ExerciseMistake("rows and columns are swapped: a flat position is "
                                      "row * grid_width + column, and the row moves the box down.")
            if box[2] - box[0] != size or box[3] - box[1] != size:
                raise ExerciseMistake(f"a box should be size × size ({size} pixels), got "
                                      f"{box[2] - box[0]} × {box[3] - box[1]}: bottom and right "
                                      "are coordinates (top + size, left + size), not a height "
                                      "and a width.")
            raise ExerciseMistake(f"tile {t}: box {box}, expected {right} — the field of "
                                  "position (row, column) starts at offset + row * jump.")

    def tests(fn):
        rng = np.random.default_rng(0)
        for width, height, jump, offset, size in [(7, 7, 16, -90, 211), (5, 9, 4, -6, 19)]:
            values = rng.normal(size=40)
            positions = rng.integers(0, width * height, size=40)
            compare(fn, values, positions, width, jump, offset, size, 9)
        field = receptive_field(practice_model(), "mid")
        values = rng.normal(size=12)
        positions = rng.integers(0, field.grid[0] * field.grid[1], size=12)
        compare(fn, values, positions, field.grid[1], field.jump, field.offset, field.size, 5)
        return "two grids and the measured field of a small network"

    return judge("top_patches", top_patches_fn, top_patches, tests)
