"""A world of tinted photos and a network that sees their colour, for the studies of
dataset examples and the 2-AFC proxy: what each channel should pick is known."""
import numpy as np
import torch
from torch import nn

from course_utils.studies.image_bank import ImageBank

SIDE = 16


class ColourNet(nn.Module):
    """feat: redness and greenness (3×3 averages) -> ReLU -> out: channel 0 fires for red
    OR green (two different things), channel 1 for red, channel 2 for green."""

    def __init__(self):
        super().__init__()
        self.feat = nn.Conv2d(3, 2, 3, padding=1, bias=False)
        self.relu = nn.ReLU()
        self.out = nn.Conv2d(2, 3, 1, bias=False)
        self.fc = nn.Linear(3, 2)
        with torch.no_grad():
            contrast = torch.tensor([[1.0, -0.5, -0.5], [-0.5, 1.0, -0.5]]) / 9
            self.feat.weight.copy_(contrast[:, :, None, None].expand(2, 3, 3, 3))
            mix = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
            self.out.weight.copy_(mix[:, :, None, None])

    def forward(self, x):
        return self.fc(self.out(self.relu(self.feat(x))).mean((2, 3)))


def tinted(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    photo = 128 + rng.normal(0, 20, size=(48, 48, 3))
    if kind == "red":
        photo[..., 0] += 80
    if kind == "green":
        photo[..., 1] += 80
    return photo.clip(0, 255).astype(np.uint8)


def tinted_bank(per_colour: int) -> ImageBank:
    """``per_colour`` red, green and grey photos, tiled at ``SIDE`` px."""
    photos = {f"{kind}{i}": tinted(kind, 10 * i + k)
              for k, kind in enumerate(("red", "green", "grey")) for i in range(per_colour)}
    return ImageBank(photos, SIDE, zooms=(1, 2, 3), overlap=0.5)
