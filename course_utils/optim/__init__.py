"""The from-scratch optimizer: ``param`` (image), ``objectives`` (what to maximize),
``transforms`` (robustness), ``regularizers`` (priors against static), ``render`` (the
loop) and ``relu_override`` (guided-backprop gradients)."""
from . import objectives, param, regularizers, transforms
from .objectives import Objective, channel, diversity, direction, layer, logit, neuron
from .param import image
from .regularizers import gaussian_blur, l2, total_variation
from .relu_override import guided_relu, input_gradient
from .render import Render, channel_activations, evaluate, frozen, render, render_channels

__all__ = ["objectives", "param", "regularizers", "transforms", "Objective", "channel",
           "neuron", "layer", "logit", "direction", "diversity", "image", "Render", "render",
           "render_channels", "evaluate", "channel_activations", "frozen", "l2",
           "total_variation", "gaussian_blur", "guided_relu", "input_gradient"]
