"""The model-randomization sanity check (Adebayo et al. 2018): does an explanation change
when the network's learned weights are replaced by random ones?

``saliency`` draws one map per image (the size of the input gradient, plain or guided);
``randomization_test`` compares the trained network's maps with those of randomized
copies, against the agreement of two random networks with each other.
"""
from dataclasses import dataclass
from typing import Callable, Dict

import numpy as np
import torch

from .metrics import rank_correlation
from .models import randomized_copy
from .optim.evaluate import input_gradient
from .optim.guided import guided_relu


def saliency(model, objective, images: torch.Tensor, guided: bool = False,
             input_size=None) -> torch.Tensor:
    """|gradient of ``objective`` w.r.t. each image|, summed over colour: (N, H, W)."""
    maps = []
    for image in images:  # one image at a time: each map is its own image's gradient
        if guided:
            with guided_relu(model.module):
                grad = input_gradient(model, objective, image[None], input_size)
        else:
            grad = input_gradient(model, objective, image[None], input_size)
        maps.append(grad.abs().sum(1)[0])
    return torch.stack(maps)


def map_agreement(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    """Rank correlation of each pair of maps (a[i], b[i]): (N,)."""
    return np.array([rank_correlation(x, y) for x, y in zip(a, b)])


@dataclass
class RandomizationResult:
    """Mean map agreement, per method (``"gradient"``, ``"guided"``)."""

    trained_vs_random: Dict[str, float]
    random_vs_random: Dict[str, float]

    def table(self) -> str:
        rows = [f"{'method':>10} | trained vs random | random vs random"]
        rows += [f"{m:>10} | {self.trained_vs_random[m]:16.2f} | {self.random_vs_random[m]:16.2f}"
                 for m in self.trained_vs_random]
        return "\n".join(rows)


def randomization_test(model, objective_for: Callable, images: torch.Tensor, seeds=(1, 2),
                       input_size=None) -> RandomizationResult:
    """Compare plain-gradient and guided-backpropagation maps of ``images`` on ``model``
    and on two copies with random weights (``seeds``). ``objective_for(model)`` gives the
    objective to explain on each network."""
    nets = [model] + [randomized_copy(model, seed) for seed in seeds]
    trained, random = {}, {}
    for method, guided in (("gradient", False), ("guided", True)):
        maps = [saliency(net, objective_for(net), images, guided, input_size) for net in nets]
        trained[method] = float(map_agreement(maps[0], maps[1]).mean())
        random[method] = float(map_agreement(maps[1], maps[2]).mean())
    return RandomizationResult(trained, random)
