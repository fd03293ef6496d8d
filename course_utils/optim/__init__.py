"""The from-scratch optimizer: ``param`` (image), ``objectives`` (what to maximize),
``transforms`` (robustness) and ``render`` (the loop)."""
from . import objectives, param, transforms
from .objectives import Objective, channel, diversity, direction, layer, logit, neuron
from .param import image
from .render import Render, evaluate, frozen, render, render_channels

__all__ = ["objectives", "param", "transforms", "Objective", "channel", "neuron", "layer",
           "logit", "direction", "diversity", "image", "Render", "render",
           "render_channels", "evaluate", "frozen"]
