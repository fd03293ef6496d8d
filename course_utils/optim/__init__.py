"""The learner's path, four modules that tell the whole method:

``param`` (how the image is represented), ``objectives`` (what to maximize, penalties
included), ``transforms`` (robustness) and ``render`` (the loop). Beside them:
``evaluate`` (scores without optimizing), ``gallery`` (many channels or classes at
once), ``param_edits`` (changes to the parameters between steps) and ``guided``
(guided-backpropagation gradients).
"""
from . import objectives, param, param_edits, transforms
from .evaluate import channel_activations, evaluate, input_gradient
from .gallery import render_channels, render_classes
from .guided import guided_relu
from .objectives import (Objective, channel, direction, diversity, l2, layer_energy, logit,
                         neuron, total_variation)
from .render import RenderResult, render

__all__ = ["objectives", "param", "param_edits", "transforms", "Objective", "channel",
           "neuron", "layer_energy", "logit", "direction", "diversity", "l2",
           "total_variation", "RenderResult", "render", "render_channels", "render_classes",
           "evaluate", "channel_activations", "input_gradient", "guided_relu"]
