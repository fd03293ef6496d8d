"""A network plus what the course needs to know about it, and the one input-size rule.

``CourseModel`` carries the frozen module, its preprocessing, labels, stages, layers
with channel counts, and answers the questions every notebook asks ("which layer is
the mid stage?", "how many channels has it?", "what does it predict?").
``wrap_module`` describes any image network this way; ``course_utils.models`` loads
the course's networks.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from . import contract
from .errors import CourseError, closest, unknown_layer_error
from .hooks import capture, layer_outputs

# Words in the type names of modules that only pad, rescale, gate, pool or add up the
# data (matched without regard to case): never worth visualizing on their own. Lucent's
# InceptionV1 layers (ReluLayer, MaxPool2dLayer, LocalResponseNormLayer, AddLayer, ...)
# are caught by the same words.
PLUMBING = ("pad", "norm", "dropout", "identity", "relu", "silu", "swish", "sigmoid", "gelu",
            "tanh", "pool", "flatten", "upsample", "softmax", "addlayer")


@dataclass
class CourseModel:
    """A frozen, eval-mode network plus everything the course needs to know about it.

    ``module`` takes *preprocessed* input; ``model(images)`` takes [0, 1] RGB images,
    resizes them by the input-size rule, preprocesses them and returns logits.
    """

    name: str
    module: nn.Module
    preprocess: Callable[[torch.Tensor], torch.Tensor]
    input_size: int
    labels: List[str]
    stages: Dict[str, str]
    layers: Dict[str, int] = field(default_factory=dict)
    spatial: Dict[str, tuple] = field(default_factory=dict)
    main_layers: List[str] = field(default_factory=list)
    note: str = ""
    logits_layer: Optional[str] = None  # set when the module itself returns probabilities
    labels_known: bool = True  # False when ``labels`` are placeholders ("class 17")
    fixed_input_size: bool = False  # True when the head only works at ``input_size``

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def input_size_for(self, side: int, requested: Optional[int] = None,
                       reads_logits: bool = False) -> int:
        """The input-size rule: the side of the image the network sees.

        A ``requested`` size wins; otherwise at least the native size (small images are
        upsampled, as Lucent does). A network whose head only works at its native size
        (InceptionV1's fixed 7×7 pooling) always sees that size when the logits are read.
        """
        if reads_logits and self.fixed_input_size:
            return self.input_size
        return int(requested) if requested else max(int(side), self.input_size)

    def network_input(self, images: torch.Tensor, size: int) -> torch.Tensor:
        """[0, 1] images → float32, resized to ``size`` and preprocessed, on the model's
        device (half-precision and float64 images work too)."""
        x = images.to(self.device, torch.float32)
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        return self.preprocess(x)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (pre-softmax scores) for a batch of [0, 1] RGB images.

        images: a float tensor (N, 3, H, W), N >= 1, values in [0, 1], any side.
        """
        images = contract.image_batch(images)
        size = self.input_size_for(images.shape[-1], reads_logits=True)
        x = self.network_input(images, size)
        if self.logits_layer is None:
            return self.module(x)
        with capture(self.module, self.logits_layer) as acts:
            self.module(x)
        return acts[self.logits_layer]

    def resolve(self, layer: str) -> str:
        """A stage name (``early``/``mid``/``late``) or a layer name → the layer name.

        layer: a string: a key of ``model.stages`` or of ``model.layers`` (Lucent's
        spelling with underscores, ``_blocks_8``, works too).
        """
        layer = contract.layer_name(layer)  # pseudo-layers get what to write instead
        if layer in self.stages:
            return self.stages[layer]
        if layer in self.layers:
            return layer
        dotted = layer.replace("_", ".")  # accept Lucent-style names such as _blocks_8
        for name in self.layers:
            if name.replace("_", ".") == dotted:
                return name
        raise unknown_layer_error(layer, list(self.stages) + list(self.layers))

    def channels(self, layer: str) -> int:
        """Number of channels of ``layer`` (a stage or layer name, as for ``resolve``)."""
        return self.layers[self.resolve(layer)]

    def check_channel(self, layer: str, channel: int) -> None:
        """Raise a ``CourseError`` naming the channel count unless ``channel`` is a whole
        number from 0 to ``channels(layer) - 1`` (numpy and 0-d tensor integers are fine)."""
        name = self.resolve(layer)
        count = self.layers[name]
        contract.whole_number(channel, "channel", 0, count - 1,
                              fix=f"Layer {name!r} has {count} channels (valid: 0 to {count - 1}).")

    def class_index(self, cls) -> int:
        """The output index of a class: an index, or a name from ``model.labels`` (any case;
        the same class has other indices in other networks, so names travel better)."""
        count = len(self.labels)
        if not isinstance(cls, str):
            return contract.whole_number(cls, "a class index", 0, count - 1,
                                         fix=f"{self.name} has {count} classes; a name from "
                                             "model.labels works too.")
        if not self.labels_known:
            raise CourseError(f"{self.name}'s class names are placeholders ('class 17'), so "
                              "a class cannot be found by name: give its index.")
        wanted = contract.text(cls, "class", "'goldfish'").strip().lower()
        for i, label in enumerate(self.labels):
            if label.strip().lower() == wanted:
                return i
        hint = closest(cls, self.labels, n=3)
        raise CourseError(f"{cls!r} is not a class of {self.name}"
                          + (f" (did you mean {', '.join(map(repr, hint))}?)." if hint else ".")
                          + " Class names are listed in model.labels.")

    def lucent_name(self, layer: str) -> str:
        """The name Lucent uses for ``layer`` (dots become underscores)."""
        return self.resolve(layer).replace(".", "_")

    @torch.no_grad()
    def predict(self, images: torch.Tensor, k: int = 5) -> List[List[tuple]]:
        """Top-``k`` (label, probability) pairs for each [0, 1] RGB image.

        images: as for ``model(images)``. k: a whole number from 1 to the number of
        classes (``len(model.labels)``).
        """
        classes = len(self.labels)
        k = contract.whole_number(k, "k", 1, classes,
                                  fix=f"The model has {classes} classes; k=5 gives the top 5.")
        top = self(images).softmax(-1).topk(k, dim=-1)
        return [[(self.labels[i], float(p)) for p, i in zip(ps, ids)]
                for ps, ids in zip(top.values.tolist(), top.indices.tolist())]

    def describe(self) -> str:
        """One paragraph about the model: stages, their layers and channel counts."""
        parts = [f"{stage} = {name} ({self.layers[name]} channels)"
                 for stage, name in self.stages.items()]
        return (f"{self.name}: input {self.input_size}px, {len(self.layers)} hookable "
                f"layers; stages: " + "; ".join(parts))


# --- freezing: the one definition, used at load time and around every render -----------

def freeze(module: nn.Module) -> nn.Module:
    """Eval mode and no weight gradients (what a loaded course model always is)."""
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """``freeze`` inside the block; flags and gradients restored exactly afterwards."""
    flags = [(p, p.requires_grad, p.grad) for p in module.parameters()]
    modes = [(m, m.training) for m in module.modules()]
    try:
        yield freeze(module)
    finally:
        for p, flag, grad in flags:
            p.requires_grad_(flag)
            p.grad = grad
        for m, mode in modes:
            m.training = mode


# --- describing any network ----------------------------------------------------------

def is_plumbing(module: nn.Module) -> bool:
    """True for padding, normalization, activation, pooling and similar modules;
    convolutions (even ``Conv2dStaticSamePadding``) and linear layers never are."""
    if isinstance(module, (nn.modules.conv._ConvNd, nn.Linear)):
        return False
    name = type(module).__name__.lower()
    return any(word in name for word in PLUMBING)


def default_main_layers(module: nn.Module, layers: Dict[str, int]) -> List[str]:
    """The layers a learner would pick, in network order: at most two levels deep
    (``_blocks.8``, ``conv2``), with 3 or more channels, never plumbing (padding,
    normalization, activation, pooling)."""
    modules = dict(module.named_modules())
    return [name for name, count in layers.items()
            if count >= 3 and name.count(".") <= 1 and not is_plumbing(modules[name])]


def wrap_module(module: nn.Module, name: str = "custom", preprocess=None,
                input_size: int = 224, labels: Optional[Sequence[str]] = None,
                stages: Optional[Dict[str, str]] = None,
                main_layers: Optional[Sequence[str]] = None) -> CourseModel:
    """Describe any image network as a ``CourseModel`` (your own CNN, a random-weight
    copy, a tiny test model). The module is put in eval mode with frozen weights.

    module: a ``torch.nn.Module`` with parameters that takes (N, 3, H, W) images.
    name: a non-empty string. preprocess: None or a function on [0, 1] image batches.
    input_size: its native side in pixels (8 to 4096); one grey image of that size is
        run through the module to list its layers.
    labels: None (``"class 0"``, ...) or one string per output of the module.
    stages: None or a dict such as ``{"mid": "layer4"}`` (stage name -> layer name).
    main_layers: None (chosen for you) or a list of layer names.
    Nothing about the module changes when an argument is refused.
    """
    module = contract.module(module)
    if next(module.parameters(), None) is None:
        raise CourseError(f"module has no parameters ({type(module).__name__}): wrap a "
                          "network with weights, such as a CNN.")
    name = contract.text(name, "name", "'my_cnn'")
    preprocess = (contract.callable_value(preprocess, "preprocess", "lambda x: (x - 0.5) / 0.5")
                  if preprocess is not None else (lambda x: x))
    input_size = contract.side(input_size, "input_size")
    stages = {} if stages is None else contract.text_mapping(stages, "stages",
                                                             "{'mid': 'layer3'}")
    main = (None if main_layers is None else
            [contract.layer_name(n, "each of main_layers")
             for n in contract.non_empty_list(main_layers, "main_layers", "['conv1']")])
    if labels is not None:
        labels = contract.texts(labels, "labels", "['cat', 'dog']")
    device = next(module.parameters()).device
    with frozen(module):  # flags come back as they were if anything below is refused
        outputs, logits = _survey(module, preprocess, input_size, device)
    layers = {n: out.shape[1] for n, out in outputs.items()}
    spatial = {n: tuple(out.shape[2:]) for n, out in outputs.items()}
    for layer in list(stages.values()) + (main or []):
        if layer not in layers:
            raise unknown_layer_error(layer, list(layers))
    classes = logits.shape[-1] if isinstance(logits, torch.Tensor) and logits.dim() == 2 else None
    if labels is None:
        labels = [f"class {i}" for i in range(classes or 0)]
    elif classes is not None and len(labels) != classes:
        raise CourseError(f"labels has {len(labels)} names but the module has {classes} "
                          "outputs: give one name per output, or leave labels out.")
    module = freeze(module)
    main = main if main is not None else default_main_layers(module, layers)
    return CourseModel(name=name, module=module, preprocess=preprocess, input_size=input_size,
                       labels=list(labels), stages=stages, layers=layers, spatial=spatial,
                       main_layers=main)


def _survey(module: nn.Module, preprocess, input_size: int, device):
    """Every layer's output and the module's own output on one grey image."""
    probe = torch.full((1, 3, input_size, input_size), 0.5, device=device)
    try:
        probe = preprocess(probe)
        outputs = layer_outputs(module, probe)
        with torch.no_grad():
            logits = module(probe)
    except Exception as exc:  # the learner's module or preprocessing cannot take the probe
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise CourseError(f"wrap_module ran the module on one grey (1, 3, {input_size}, "
                          f"{input_size}) image to list its layers, and it failed "
                          f"({type(exc).__name__}: {detail}). Check that it takes RGB "
                          "images and that input_size suits it.") from exc
    if not outputs:
        raise CourseError(f"module ({type(module).__name__}) has no layer with (N, C, H, W) "
                          "outputs to visualize: wrap an image network such as a CNN.")
    return outputs, logits
