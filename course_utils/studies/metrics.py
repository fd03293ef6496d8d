"""Numbers that describe images and activations, so notebooks measure instead of claim.

``high_frequency_score`` and ``total_variation`` say how much of an image is fine-grained
static; ``cosine_matrix`` / ``consistency`` say how alike several activation vectors are
(from ``optim.channel_activations``: how alike images look *to the network*);
``mean_pairwise_distance`` says how spread out a batch is; ``class_rank`` where a class
stands among a model's predictions. None of them runs a network.
"""
import torch
import torch.nn.functional as F

from .. import contract
from ..errors import CourseError
from ..hooks import IMAGE
from ..optim import objectives
from ..optim.param import radial_frequencies


def power_spectrum(images: torch.Tensor) -> torch.Tensor:
    """Each image's 2-D spectral power (N, H, W), colour channels summed, mean removed.

    images: finite numbers (N, C, H, W) or one image (C, H, W); a tensor or an array.
    """
    x = contract.image_batch(images, rgb=False, unit_range=False, convert=True)
    x = x - x.mean((-2, -1), keepdim=True)
    return torch.fft.fft2(x).abs().pow(2).sum(1)


def _share(power: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    total = power.sum((-2, -1))
    return torch.where(total > 0, (power * where).sum((-2, -1)) / total.clamp_min(1e-12),
                       torch.zeros_like(total))


def _cutoff(cutoff) -> float:
    return contract.real_number(cutoff, "cutoff", above=0, maximum=0.7,
                                fix="It is in cycles per pixel: 0.25 is a period of 4 pixels.")


def high_frequency_score(images: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """Share of each image's spectral power above ``cutoff`` cycles per pixel, shape (batch,).

    The mean of each channel is removed first, so a flat image scores 0 and a
    one-pixel checkerboard (all power at the highest frequency) scores 1.
    images: as for ``power_spectrum``. cutoff: above 0, at most 0.7 (the highest
    frequency of an image is about 0.71 cycles per pixel).
    """
    cutoff = _cutoff(cutoff)
    power = power_spectrum(images)
    return _share(power, radial_frequencies(*power.shape[-2:]) > cutoff)


def low_frequency_share(images: torch.Tensor, cutoff: float = 1 / 16) -> torch.Tensor:
    """Share of each image's spectral power below ``cutoff`` cycles per pixel (patterns
    longer than 1 / cutoff pixels), shape (batch,). Arguments as for
    ``high_frequency_score``."""
    cutoff = _cutoff(cutoff)
    power = power_spectrum(images)
    return _share(power, radial_frequencies(*power.shape[-2:]) < cutoff)


def radial_power(images: torch.Tensor, bins: int = 24):
    """The batch's mean spectral power in rings of radial frequency, for a log-log plot:
    (ring centres in cycles per pixel, power), both (bins,) arrays; the constant term is
    left out."""
    bins = contract.whole_number(bins, "bins", 2, fix="24 rings are typical.")
    power = power_spectrum(images).mean(0)
    freq = radial_frequencies(*power.shape)
    edges = torch.logspace(float(torch.log10(freq[freq > 0].min())), float(torch.log10(freq.max())),
                           bins + 1)
    ring = torch.bucketize(freq, edges).clamp(1, bins) - 1
    totals = torch.zeros(bins).index_add_(0, ring[freq > 0], power[freq > 0])
    counts = torch.zeros(bins).index_add_(0, ring[freq > 0], torch.ones_like(power[freq > 0]))
    keep = counts > 0
    centres = (edges[:-1] * edges[1:]).sqrt()
    return centres[keep].numpy(), (totals[keep] / counts[keep]).numpy()


def cosine_matrix(vectors) -> torch.Tensor:
    """Cosine similarity of every pair of rows: (N, D) tensor or array → (N, N).

    vectors: finite numbers, one row per item (N, D) (further axes are flattened).
    """
    unit = F.normalize(contract.rows(vectors, "vectors"), dim=1)
    return unit @ unit.T


def _off_diagonal_mean(matrix: torch.Tensor) -> float:
    n = contract.at_least(matrix.shape[0], 2, "Comparing items with each other",
                          "items (rows)")
    return float((matrix.sum() - matrix.diagonal().sum()) / (n * (n - 1)))


def consistency(vectors: torch.Tensor, reference=None) -> float:
    """Mean cosine similarity between different rows: 1 = all alike, 0 = unrelated.

    vectors: as for ``cosine_matrix``, at least 2 rows.
    reference: optional rows of the same width (e.g. the same layer on noise images) whose
    mean is subtracted first, so that what every image shares does not count as agreement.
    """
    rows = contract.rows(vectors, "vectors")
    if reference is not None:
        baseline = contract.rows(reference, "reference").to(rows.dtype)
        if baseline.shape[1] != rows.shape[1]:
            raise CourseError(f"reference rows have {baseline.shape[1]} numbers, vectors have "
                              f"{rows.shape[1]}: measure both on the same layer.")
        rows = rows - baseline.mean(0)
    return _off_diagonal_mean(cosine_matrix(rows))


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """Mean Euclidean distance between the (flattened) items of a batch, over all pairs.

    x: finite numbers with one item per row (N, ...), at least 2 items.
    """
    flat = contract.rows(x, "x")
    return _off_diagonal_mean(torch.cdist(flat, flat))


def class_rank(logits: torch.Tensor, class_index: int) -> torch.Tensor:
    """Rank of ``class_index`` in each row of ``logits`` (0 = the top prediction).

    logits: finite scores (N, classes). class_index: 0 to classes - 1.
    """
    logits = contract.tensor_of(logits, "logits", "model(images) (for one image, logits[None])",
                                dims=(2,))
    class_index = contract.whole_number(class_index, "class_index", 0, logits.shape[-1] - 1)
    return (logits > logits[:, class_index:class_index + 1]).sum(1)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels of each image: (batch,).

    images: as for ``power_spectrum``, at least 2 x 2 pixels.
    """
    images = contract.image_batch(images, rgb=False, unit_range=False, convert=True,
                                  min_side=2)
    return objectives.total_variation()({IMAGE: images})


def rank_correlation(a, b) -> float:
    """Spearman's rank correlation of two equally sized arrays (flattened): 1 = the same
    order, 0 = unrelated, -1 = reversed."""
    a, b = (contract.tensor_of(v, n, "a saliency map").flatten() for v, n in ((a, "a"), (b, "b")))
    if a.numel() != b.numel():
        raise CourseError(f"rank_correlation needs two arrays of the same size, got {a.numel()} "
                          f"and {b.numel()} values.")
    contract.at_least(a.numel(), 2, "rank_correlation", "values")
    ranks = [v.argsort().argsort().float() for v in (a, b)]
    ra, rb = (r - r.mean() for r in ranks)
    return float((ra * rb).sum() / (ra.norm() * rb.norm()).clamp_min(1e-12))
