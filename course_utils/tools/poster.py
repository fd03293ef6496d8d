"""Render a layers × channels poster: one batched render per layer."""
from dataclasses import dataclass
from typing import List, Sequence

import torch

from .. import contract
from ..errors import CourseError
from ..optim import evaluate, render_channels
from ..optim.objectives import channel
from ..optim.param import image


@dataclass
class PosterCell:
    """One cell of a poster and the numbers that show the optimization worked."""

    layer: str
    stage: str
    channel: int
    image: torch.Tensor
    activation_start: float
    activation_end: float
    activation_random: float

    def as_dict(self) -> dict:
        return {"layer": self.layer, "stage": self.stage, "channel": self.channel,
                "activation_start": round(self.activation_start, 4),
                "activation_end": round(self.activation_end, 4),
                "activation_random": round(self.activation_random, 4)}


def render_poster(model, layers: Sequence[str], channels: Sequence[int], steps: int = 256,
                  size: int = 128, seed: int = 0, progress: bool = True) -> List[PosterCell]:
    """Visualize every (layer, channel) pair; layers may be stage names or layer names.

    layers: a non-empty list of stage or layer names, each layer once.
    channels: a non-empty list of channel indices valid in every layer, each once.
    steps: 1 to 100 000. size: 8 to 4096 pixels. seed: a whole number >= 0.
    progress: True or False.
    """
    model = contract.course_model(model)
    layers = contract.non_empty_list(layers, "layers", "['early', 'mid', 'late']")
    channels = contract.non_empty_list(channels, "channels", "[0, 5, 9]")
    for name in layers:  # validate everything before the first render
        for c in channels:
            model.check_channel(name, c)
    _once([model.resolve(name) for name in layers], layers, "layers")
    _once([int(c) for c in channels], channels, "channels")
    steps, size = contract.step_count(steps), contract.side(size)
    seed = contract.whole_number(seed, "seed", 0, 2 ** 63 - 1,
                                 fix="A poster is always seeded: use 0 or another number.")
    progress = contract.boolean(progress, "progress")
    generator = torch.Generator().manual_seed(seed)
    cells = []
    for name in layers:
        real = model.resolve(name)
        start = image(size, len(channels), seed=seed)  # what render would start from
        with torch.no_grad():
            first = start().cpu()
        result = render_channels(model, name, channels, steps=steps, param=start, seed=seed,
                                 progress=progress)
        noise = torch.rand(len(channels), 3, size, size, generator=generator)
        for i, c in enumerate(channels):
            objective = channel(name, c)
            start_score = evaluate(model, objective, first[i:i + 1])[0]
            rand = evaluate(model, objective, noise[i:i + 1])[0]
            cells.append(PosterCell(real, name if name in model.stages else "", c,
                                    result.images[i], float(start_score),
                                    float(result.score[i]), float(rand)))
    return cells


def _once(keys: list, given: Sequence, name: str) -> None:
    """Each entry once: a repeated layer or channel would render the same cell twice."""
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise CourseError(f"{name} lists {given[i]!r} twice (as {given[keys.index(key)]!r} "
                              f"and {given[i]!r}): give each {name[:-1]} once.")
