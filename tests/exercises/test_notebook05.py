"""Notebook 05's checkers (the top patches and their receptive-field boxes) accept the
reference, hand it back for an unsolved exercise, and name each plausible mistake."""
import numpy as np

from checker_cases import checker_tests
from course_utils.exercises import notebook05


def top_patches_weakest(values, positions, width, jump, offset, size, k):
    return notebook05.top_patches(-np.asarray(values), positions, width, jump, offset, size, k)


def top_patches_swapped(values, positions, width, jump, offset, size, k):
    out = []
    for t in np.argsort(-np.asarray(values), kind="stable")[:k]:
        row, col = divmod(int(positions[t]), width)
        out.append((int(t), (offset + col * jump, offset + row * jump,
                             offset + col * jump + size, offset + row * jump + size)))
    return out


def top_patches_height_width(values, positions, width, jump, offset, size, k):
    return [(t, (box[0], box[1], size, size))
            for t, box in notebook05.top_patches(values, positions, width, jump, offset, size, k)]


def top_patches_no_offset(values, positions, width, jump, offset, size, k):
    return notebook05.top_patches(values, positions, width, jump, 0, size, k)


CASES = [  # checker, reference, [(wrong version, words the message must contain)]
    (notebook05.check_top_patches, notebook05.top_patches,
     [(top_patches_weakest, "weakest"), (top_patches_swapped, "swapped"),
      (top_patches_no_offset, "offset + row * jump"), (top_patches_height_width, "not a height")]),
]


globals().update(checker_tests(CASES))
