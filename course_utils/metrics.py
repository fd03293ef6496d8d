"""Numbers that describe visualizations, so notebooks can measure instead of claim.

``high_frequency_score`` says how much of an image is fine-grained static;
``activation_vectors`` + ``cosine_matrix`` / ``consistency`` say how alike several
images look *to the network*; ``mean_pairwise_distance`` says how spread out a batch is.
"""
from typing import Optional

import torch
import torch.nn.functional as F

from .errors import CourseError


def radial_frequencies(h: int, w: int) -> torch.Tensor:
    """Radial frequency (cycles per pixel, 0 to ~0.71) of each ``fft2`` coefficient."""
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.fftfreq(w)[None, :]
    return torch.sqrt(fx * fx + fy * fy)


def high_frequency_score(images: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """Share of each image's spectral power above ``cutoff`` cycles per pixel, shape (batch,).

    The mean of each channel is removed first, so a flat image scores 0 and a
    one-pixel checkerboard (all power at the highest frequency) scores 1.
    """
    if images.dim() == 3:
        images = images[None]
    if images.dim() != 4:
        raise CourseError(f"Expected images of shape (N, C, H, W), got {tuple(images.shape)}.")
    x = images.detach().float().cpu()
    x = x - x.mean((-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).sum(1)  # (N, H, W), summed over colour channels
    high = radial_frequencies(*x.shape[-2:]) > cutoff
    total = power.sum((-2, -1))
    return torch.where(total > 0, (power * high).sum((-2, -1)) / total.clamp_min(1e-12),
                       torch.zeros_like(total))


@torch.no_grad()
def activation_vectors(model, images: torch.Tensor, layer: str,
                       input_size: Optional[int] = None) -> torch.Tensor:
    """Each image's channel activations at ``layer``, averaged over positions: (N, C).

    Averaging over positions makes the vector ignore *where* a pattern appears, so two
    visualizations of the same feature, shifted, still get similar vectors.
    """
    from .hooks import capture

    size = input_size or model.input_size
    x = F.interpolate(images.float().to(model.device), size=(size, size), mode="bilinear",
                      align_corners=False)
    name = model.resolve(layer)
    with capture(model.module, name) as acts:
        model.module(model.preprocess(x))
    return acts[name].float().mean((-2, -1)).cpu()


def cosine_matrix(vectors: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every pair of rows: (N, D) → (N, N)."""
    unit = F.normalize(vectors.float().flatten(1), dim=1)
    return unit @ unit.T


def _off_diagonal_mean(matrix: torch.Tensor) -> float:
    n = matrix.shape[0]
    if n < 2:
        raise CourseError("Need at least 2 images (rows) to compare them with each other.")
    return float((matrix.sum() - matrix.diagonal().sum()) / (n * (n - 1)))


def consistency(vectors: torch.Tensor) -> float:
    """Mean cosine similarity between different rows: 1 = all alike, 0 = unrelated."""
    return _off_diagonal_mean(cosine_matrix(vectors))


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """Mean Euclidean distance between the (flattened) items of a batch, over all pairs."""
    flat = x.detach().float().cpu().flatten(1)
    return _off_diagonal_mean(torch.cdist(flat, flat))


@torch.no_grad()
def class_rank(model, images: torch.Tensor, class_index: int,
               input_size: Optional[int] = None) -> torch.Tensor:
    """Rank of ``class_index`` among the model's predictions for each image (0 = top-1)."""
    size = input_size or model.input_size
    x = F.interpolate(images.float().to(model.device), size=(size, size), mode="bilinear",
                      align_corners=False)
    logits = model.module(model.preprocess(x)).float().cpu()
    return (logits > logits[:, class_index:class_index + 1]).sum(1)
