"""Notebook 04's checkers (the neuron, direction and diversity scores) accept the
reference, hand it back for an unsolved exercise, and name each plausible mistake."""
import torch
import torch.nn.functional as F

from checker_cases import checker_tests
from course_utils.exercises import notebook04


def neuron_as_channel(a, c):
    return a[:, c].mean((-2, -1))


def neuron_rows_and_columns_swapped(a, c):
    h, w = a.shape[-2:]
    return a[:, c, w // 2, h // 2] if w // 2 < h and h // 2 < w else a[:, c, 0, 0]


def neuron_at_the_corner(a, c):
    return a[:, c, 0, 0]


def direction_unnormalized(a, v):
    return torch.einsum("nchw,c->nhw", a, v).mean((-2, -1))


def direction_summed(a, v):
    return torch.einsum("nchw,c->nhw", a, v / v.norm()).sum((-2, -1))


def diversity_with_self(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    gram = F.normalize(torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1), dim=1)
    return -(gram @ gram.T).mean(1)


def diversity_positions_gram(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    gram = F.normalize(torch.bmm(flat.transpose(1, 2), flat).reshape(n, -1), dim=1)
    sim = gram @ gram.T
    return -(sim.sum(1) - sim.diagonal()) / (n - 1)


def diversity_unnormalized(a):
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    sim = torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1) @ \
        torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1).T
    return -(sim.sum(1) - sim.diagonal()) / (n - 1)


CASES = [  # checker, reference, [(wrong version, words the message must contain)]
    (notebook04.check_neuron_score, notebook04.neuron_score,
     [(neuron_as_channel, "channel objective"), (neuron_at_the_corner, "off from the reference"),
      (neuron_rows_and_columns_swapped, "non-square")]),
    (notebook04.check_direction_score, notebook04.direction_score,
     [(direction_unnormalized, "not normalized"), (direction_summed, "too large")]),
    (notebook04.check_diversity_score, notebook04.diversity_score,
     [(diversity_with_self, "compared with itself"), (diversity_unnormalized, "not normalized"),
      (diversity_positions_gram, "C × C")]),
]


globals().update(checker_tests(CASES))
