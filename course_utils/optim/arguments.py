"""The checks of ``render``'s arguments that need more than a range: the transforms,
a caller's own parameterization and whether a parameter edit fits it. Each raises a
``CourseError`` that says what to pass instead, before any work is done."""
import torch
from torch import nn

from .. import contract
from ..errors import CourseError
from .param import FourierImage


def transform_spec(spec):
    """``'standard'``, None / ``'none'``, a callable or a list of callables."""
    if spec is None or (isinstance(spec, str) and spec in ("standard", "none")):
        return spec
    steps = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if isinstance(spec, str) or not all(callable(t) for t in steps):
        raise CourseError(f"Unknown transforms {contract.shown(spec)}: use 'standard', None, a callable "
                          "or a list of callables that take and return an image batch.")
    return spec


def param_shape(param, model) -> tuple:
    """(batch, size) of the images a caller's parameterization makes; it must be an
    nn.Module with trainable parameters whose forward() gives (N, 3, H, W) images."""
    if not isinstance(param, nn.Module) or not any(p.requires_grad for p in param.parameters()):
        raise CourseError(f"param must be an image parameterization (an nn.Module with "
                          f"parameters to optimize, e.g. param.image(128)), got {contract.shown(param)}.")
    with torch.no_grad():
        try:
            images = param.to(model.device)()
        except TypeError as exc:  # its forward() needs arguments
            raise CourseError(f"param() must take no arguments and return images; calling "
                              f"it failed: {exc}.") from exc
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] != 3:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images)
        raise CourseError(f"param() must return RGB images (N, 3, H, W), got {shape}.")
    return images.shape[0], images.shape[-1]


def check_edit_fits(edit, param) -> None:
    """An edit that works on one kind of parameterization only says so before step 0."""
    needs = getattr(edit, "works_on", None)
    kind = type(param) if param is not None else FourierImage
    if needs is not None and not issubclass(kind, needs):
        raise CourseError(f"param_edit works on a {needs.__name__} (raw pixels) only, but the "
                          f"image is a {kind.__name__}: pass param=param.image(size, fft=False, "
                          f"decorrelate=False) or leave the edit out.")
