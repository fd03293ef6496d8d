"""The model-randomization sanity check (Adebayo et al. 2018): does an explanation change
when the network's learned weights are replaced by random ones?

``randomized_copy`` draws a network's weights afresh, all of them or, for the cascade,
from one layer to the top; ``saliency`` draws one map per image (the size of the input
gradient, plain or guided); ``randomization_test`` compares the trained network's maps
with those of randomized copies, against the agreement of two random networks with each
other.
"""
import copy
import dataclasses
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np
import torch

from .. import contract
from ..course_model import CourseModel, freeze
from ..errors import CourseError
from ..optim.evaluate import input_gradient
from ..optim.guided import guided_relu
from .metrics import rank_correlation


def randomized_copy(model: CourseModel, seed: int = 0, from_layer: Optional[str] = None
                    ) -> CourseModel:
    """A copy of ``model`` whose weights are drawn afresh (each layer's default PyTorch
    initialization; normalization layers reset to identity statistics).

    from_layer: re-draw only this layer (a stage or layer name) and every layer after it,
    keeping the trained weights before it: Adebayo et al.'s (2018) cascading
    randomization from the top. Default: every layer.

    "Layer" means the layers of ``model.layers`` (those with feature maps); a final
    fully connected classifier outside them keeps its trained weights.
    """
    model = contract.course_model(model)
    seed = contract.whole_number(seed, "seed", 0, 2 ** 63 - 1)
    order = list(model.layers)  # in the order the forward pass computes them
    start = order.index(model.resolve(from_layer)) if from_layer is not None else 0
    chosen = set(order[start:])
    module = copy.deepcopy(model.module)
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        for name, sub in module.named_modules():
            inside = any(name == c or name.startswith(c + ".") for c in chosen)
            if inside and hasattr(sub, "reset_parameters"):
                sub.reset_parameters()
            if inside and hasattr(sub, "reset_running_stats"):
                sub.reset_running_stats()
    finally:
        torch.random.set_rng_state(generator_state)
    which = f"from {order[start]} on" if from_layer is not None else "all layers"
    copy_model = dataclasses.replace(model, module=freeze(module),
                                     name=f"{model.name} (random weights, {which}, seed {seed})")
    return copy_model


def saliency(model, objective, images: torch.Tensor, guided: bool = False,
             input_size=None) -> torch.Tensor:
    """|gradient of ``objective`` w.r.t. each image|, summed over colour: (N, H, W).

    images: [0, 1] images (N, 3, H, W). guided: True for guided backpropagation."""
    images, guided = contract.image_batch(images), contract.boolean(guided, "guided")
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
    if len(a) != len(b):
        raise CourseError(f"map_agreement pairs maps one by one: got {len(a)} and {len(b)}.")
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
    objective_for = contract.callable_value(objective_for, "objective_for",
                                            "lambda net: layer_energy('late')")
    seeds = contract.non_empty_list(seeds, "seeds", "(1, 2)")
    contract.at_least(len(seeds), 2, "randomization_test", "seeds (two random networks)")
    nets = [model] + [randomized_copy(model, seed) for seed in seeds]
    trained, random = {}, {}
    for method, guided in (("gradient", False), ("guided", True)):
        maps = [saliency(net, objective_for(net), images, guided, input_size) for net in nets]
        trained[method] = float(map_agreement(maps[0], maps[1]).mean())
        random[method] = float(map_agreement(maps[1], maps[2]).mean())
    return RandomizationResult(trained, random)
