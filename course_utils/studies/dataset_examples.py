"""Dataset examples: the real image patches that excite (or silence) a channel the most.

1. ``bank_activations`` runs every tile of an ``ImageBank`` through the network once and
   keeps, per tile and channel, the largest and smallest activation and where they are.
   The result is cached on disk; the cache key holds the model's name, a fingerprint of
   its weights, the bank, the layer and the course version, so a changed model or bank
   never reads a stale file. A stale or damaged file is detected and rebuilt.
2. ``top_examples`` ranks tiles for one channel and crops each winner to the receptive
   field of its best position (``receptive_field``), skipping near-duplicates.
3. ``cluster_examples`` groups a channel's top patches by the layer's activation pattern
   there, to see whether one channel answers to several different things.
"""
import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .. import __version__, contract
from ..errors import CourseError
from ..optim import Objective, evaluate
from ..progress import progress_bar
from .image_bank import Box, ImageBank, cache_dir
from .receptive_field import receptive_field

CACHE_FORMAT = 1
STATS = ("max", "argmax", "min", "argmin")


@dataclass
class BankActivations:
    """Per tile and channel of ``layer``: the largest / smallest activation over positions
    and the flat position (row * width + column) where each one is."""

    layer: str
    spatial: Tuple[int, int]
    max: np.ndarray     # (tiles, channels)
    argmax: np.ndarray  # (tiles, channels), int
    min: np.ndarray
    argmin: np.ndarray
    cache_file: str = ""  # where it is cached ("" when not cached)
    from_cache: bool = False

    @property
    def channels(self) -> int:
        return self.max.shape[1]

    def position(self, flat: int) -> Tuple[int, int]:
        """A flat position index -> (row, column) in the layer's grid."""
        return divmod(int(flat), self.spatial[1])


def weights_fingerprint(module: torch.nn.Module) -> str:
    """A short hash of every parameter and buffer (names, shapes and values)."""
    h = hashlib.sha1()
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        h.update(f"{name}{tuple(t.shape)}{t.dtype}".encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def cache_key(model, bank: ImageBank, layer: str,
              interior: Optional[np.ndarray] = None) -> Dict[str, object]:
    """Everything the bank activations depend on."""
    positions = "all" if interior is None else \
        hashlib.sha1(np.packbits(interior).tobytes() + str(interior.shape).encode()
                     ).hexdigest()[:12]
    return {"model": model.name, "weights": weights_fingerprint(model.module),
            "bank": bank.fingerprint(), "tiles": len(bank), "side": bank.side,
            "layer": model.resolve(layer), "positions": positions,
            "course_utils": __version__, "format": CACHE_FORMAT}


def cache_path(key: Dict[str, object]) -> str:
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    layer = str(key["layer"]).replace(".", "_").replace("/", "_")
    return os.path.join(cache_dir(), f"bank_{key['model']}_{layer}_{digest}.npz")


def _check_bank(model, bank) -> None:
    contract.course_model(model)
    contract.instance_of(bank, ImageBank, "bank", "build_bank(model.input_size)")
    if len(bank) == 0:
        raise CourseError("The image bank is empty (0 tiles): build it with "
                          "build_bank(model.input_size).")
    if bank.side != model.input_size:
        raise CourseError(f"The bank's tiles are {bank.side} px but {model.name} sees "
                          f"{model.input_size} px: build it with "
                          f"build_bank({model.input_size}).")


def _stats_objective(name: str, interior: np.ndarray):
    inside = torch.from_numpy(interior.reshape(-1))

    def stats(acts):
        flat = acts[name].flatten(2).float()
        keep = inside.to(flat.device)
        top, where_top = flat.masked_fill(~keep, float("-inf")).max(-1)
        low, where_low = flat.masked_fill(~keep, float("inf")).min(-1)
        return torch.stack([top, where_top.float(), low, where_low.float()], -1)

    return Objective(stats, [name], f"bank statistics of {name}")


def _compute(model, bank: ImageBank, name: str, interior: np.ndarray, batch_size: int,
             progress: bool):
    objective = _stats_objective(name, interior)
    parts = []
    starts = range(0, len(bank), batch_size)
    for start in progress_bar(starts, desc=f"bank → {name}", disable=not progress):
        images = bank.images(range(start, min(len(bank), start + batch_size)))
        parts.append(evaluate(model, objective, images, bank.side))
    stats = np.concatenate(parts)  # (tiles, channels, 4)
    return {"max": stats[..., 0].astype(np.float32), "argmax": stats[..., 1].astype(np.int32),
            "min": stats[..., 2].astype(np.float32), "argmin": stats[..., 3].astype(np.int32)}


def _read_cache(path: str, key: Dict[str, object], tiles: int, channels: int):
    """The cached arrays, or None with the reason when the file is unusable."""
    if not os.path.isfile(path):
        return None, "no cache yet"
    try:
        with np.load(path, allow_pickle=False) as data:
            stored = json.loads(str(data["key"]))
            arrays = {s: data[s] for s in STATS}
    except Exception as exc:  # truncated, not a zip, missing arrays, bad JSON
        return None, f"the cache file is damaged ({type(exc).__name__})"
    if stored != key:
        changed = sorted(k for k in set(stored) | set(key) if stored.get(k) != key.get(k))
        return None, f"the cache is stale ({', '.join(changed)} changed)"
    if any(a.shape != (tiles, channels) for a in arrays.values()):
        return None, "the cache has the wrong shape"
    return arrays, ""


def _write_cache(path: str, key: Dict[str, object], arrays: Dict[str, np.ndarray]) -> None:
    tmp = f"{path}.{os.getpid()}.tmp.npz"
    np.savez(tmp, key=np.array(json.dumps(key, sort_keys=True)), **arrays)
    os.replace(tmp, path)  # readers never see a half-written file


def bank_activations(model, bank: ImageBank, layer: str = "mid", batch_size: int = 16,
                     progress: bool = True, cache: bool = True) -> BankActivations:
    """Run every tile through ``model`` once and keep each channel's max / min per tile.

    Only positions away from the tile's border count (``ReceptiveField.interior``): at the
    border the zero padding takes part, and the extremes would be padding artefacts.
    Overlapping tiles make sure every part of a photo is away from some tile's border.
    layer: a stage (``"mid"``) or layer name. cache: read and write the result in
    ``$COURSE_CACHE`` (default ``~/.cache/course_utils``); a stale or damaged file is
    rebuilt with a warning.
    """
    name = model.resolve(layer)
    _check_bank(model, bank)
    batch_size = contract.whole_number(batch_size, "batch_size", 1)
    progress, cache = contract.boolean(progress, "progress"), contract.boolean(cache, "cache")
    channels, spatial = model.layers[name], tuple(model.spatial[name])
    if len(spatial) != 2:
        raise CourseError(f"Layer {name!r} has no spatial positions; pick a convolutional "
                          f"layer or a stage ({', '.join(model.stages)}).")
    interior = receptive_field(model, name).interior()
    key = cache_key(model, bank, name, interior)
    path = cache_path(key) if cache else ""
    if cache:
        arrays, why = _read_cache(path, key, len(bank), channels)
        if arrays is not None:
            return BankActivations(name, spatial, cache_file=path, from_cache=True, **arrays)
        if why != "no cache yet":
            warnings.warn(f"Rebuilding the bank activations: {why} ({path}).")
    arrays = _compute(model, bank, name, interior, batch_size, progress)
    if cache:
        _write_cache(path, key, arrays)
    return BankActivations(name, spatial, cache_file=path, **arrays)


def padding_colour(model) -> Tuple[float, float, float]:
    """The RGB colour in [0, 1] that ``model.preprocess`` maps to 0: what the network's
    zero padding looks like (mid-grey for (x - 0.5) / 0.5)."""
    probe = torch.stack([torch.zeros(3, 1, 1), torch.ones(3, 1, 1)]).to(model.device)
    zero, one = model.preprocess(probe).float().cpu().flatten(1)
    return tuple(float(v) for v in (-zero / (one - zero)).clamp(0, 1))


@dataclass
class Examples:
    """Image patches for one channel, strongest first (weakest first for the bottom)."""

    layer: str
    channel: int
    images: torch.Tensor        # (k, 3, display, display), in [0, 1]
    activations: np.ndarray     # (k,) the channel's value at the chosen position
    tiles: List[int]            # bank tile index of each patch
    positions: List[Tuple[int, int]]  # (row, column) in the layer's grid
    boxes: List[Box]            # field box in tile pixels (may stick out of the tile)
    photos: List[str]           # source photo of each patch
    source_boxes: List[tuple]   # the same boxes in the source photo's pixels

    def __len__(self) -> int:
        return len(self.tiles)

    def titles(self) -> List[str]:
        """Short captions: photo and activation."""
        return [f"{p}\n{a:.1f}" for p, a in zip(self.photos, self.activations)]


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    top, left = max(a[0], b[0]), max(a[1], b[1])
    bottom, right = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, bottom - top) * max(0.0, right - left)
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def ranked_examples(model, bank: ImageBank, layer: str, channel: int, k: int = 9,
                    statistic: str = "max", lowest: bool = False,
                    acts: Optional[BankActivations] = None,
                    skip: int = 0, display: int = 96, field: str = "effective",
                    max_overlap: float = 0.5, avoid: Optional[Examples] = None,
                    seed: int = 0, photos: Optional[Sequence[str]] = None) -> Examples:
    """``k`` tiles ranked by a per-tile statistic of ``channel``, each cropped to the
    receptive field of the position where that statistic is, resized to ``display`` px.
    Fewer come back when the bank has fewer distinct patches.

    statistic: ``"max"`` (the tile's largest activation) or ``"min"`` (its smallest).
    lowest: rank from the lowest value up. ``top_examples`` = ("max", highest first),
        ``bottom_examples`` = ("min", lowest first); ("max", lowest first) gives tiles
        where the channel stays weak everywhere.

    skip: leave out the first ``skip`` distinct patches (to take the next ones).
    field: ``"effective"`` crops the box that holds 90 % of the input gradient (centred on
        the field); ``"full"`` crops the whole theoretical field, which at deep layers is
        nearly the whole tile (parts outside the tile are shown in the padding colour).
    max_overlap: a patch whose box overlaps an earlier one of the same photo by more than
        this (intersection over union, in the photo's pixels) is a near-duplicate from an
        overlapping tile and is skipped.
    avoid: other examples whose pixels must not be reused: a patch that shares any part
        of a photo with one of them is skipped (to keep query patches apart from
        reference patches).
    seed: equal values (common after a ReLU, where many tiles stay at 0) are put in a
        random order with this seed, so ties do not all come from the first photo.
    photos: take tiles of these photos only (e.g. to keep references and queries on
        separate photos); ``None`` takes every photo.
    """
    name = model.resolve(layer)
    model.check_channel(name, channel)
    k = contract.whole_number(k, "k", 1, fix="It is a number of patches.")
    contract.one_of(statistic, "statistic", ("max", "min"))
    contract.one_of(field, "field", ("effective", "full"))
    skip = contract.whole_number(skip, "skip", 0)
    display = contract.side(display, "display", minimum=1)
    contract.real_number(max_overlap, "max_overlap", 0.0, 1.0)
    _check_bank(model, bank)
    allowed = _check_photos(bank, photos)
    acts = acts if acts is not None else bank_activations(model, bank, name, progress=False)
    if acts.layer != name or acts.max.shape[0] != len(bank):
        raise CourseError(f"acts were computed for layer {acts.layer!r} on "
                          f"{acts.max.shape[0]} tiles, not for {name!r} on this bank of "
                          f"{len(bank)} tiles: compute them with bank_activations(model, "
                          f"bank, {layer!r}).")
    rf = receptive_field(model, name)
    values = (acts.min if statistic == "min" else acts.max)[:, channel]
    where = (acts.argmin if statistic == "min" else acts.argmax)[:, channel]
    shuffle = np.random.default_rng(seed).permutation(len(values))
    order = np.lexsort((shuffle, values if lowest else -values))
    chosen, kept_boxes = [], []
    avoided = list(zip(avoid.photos, avoid.source_boxes)) if avoid is not None else []
    for t in order:
        pos = acts.position(where[t])
        box = rf.box(*pos, effective=field == "effective")
        tile = bank.tiles[int(t)]
        if tile.photo not in allowed:
            continue
        source = tile.to_source(box)
        if any(tile.photo == p and _iou(source, b) > max_overlap for p, b in kept_boxes):
            continue
        if any(tile.photo == p and _iou(source, b) > 0 for p, b in avoided):
            continue
        kept_boxes.append((tile.photo, source))
        chosen.append((int(t), pos, box, source))
        if len(chosen) == skip + k:
            break
    chosen = chosen[skip:]
    pad = padding_colour(model)
    images = [F.interpolate(bank.crop(t, box, pad)[None], size=(display, display),
                            mode="bilinear", antialias=True, align_corners=False)[0]
              for t, _, box, _ in chosen]
    images = torch.stack(images).clamp(0, 1) if images else torch.zeros(0, 3, display, display)
    tiles = [c[0] for c in chosen]
    return Examples(name, int(channel), images,
                    np.array([values[t] for t in tiles], dtype=np.float32), tiles,
                    [c[1] for c in chosen], [c[2] for c in chosen],
                    [bank.tiles[t].photo for t in tiles], [c[3] for c in chosen])


def _check_photos(bank: ImageBank, photos: Optional[Sequence[str]]) -> set:
    """The set of photo names to take tiles from (all when ``photos`` is None)."""
    if photos is None:
        return set(bank.photos)
    photos = contract.non_empty_list(photos, "photos", "['chelsea', 'coffee']")
    return {contract.one_of(p, "Each photo", sorted(bank.photos)) for p in photos}


def top_examples(model, bank: ImageBank, layer: str, channel: int, k: int = 9,
                 **kwargs) -> Examples:
    """The ``k`` most strongly activating patches (see ``ranked_examples``)."""
    return ranked_examples(model, bank, layer, channel, k, "max", False, **kwargs)


def bottom_examples(model, bank: ImageBank, layer: str, channel: int, k: int = 9,
                    **kwargs) -> Examples:
    """The ``k`` patches where the channel is lowest (see ``ranked_examples``)."""
    return ranked_examples(model, bank, layer, channel, k, "min", True, **kwargs)


@dataclass
class Clusters:
    """A channel's top patches split into groups by the layer's activation pattern."""

    examples: Examples
    labels: np.ndarray           # (k,) group of each patch
    silhouette: float            # -1..1: how well separated the groups are
    null_silhouette: float       # the same, after shuffling each feature across patches
    between_similarity: float    # mean cosine similarity of the group centres

    def group(self, g: int) -> torch.Tensor:
        """The images of group ``g``."""
        return self.examples.images[torch.as_tensor(self.labels == g)]

    @property
    def sizes(self) -> List[int]:
        return [int((self.labels == g).sum()) for g in range(int(self.labels.max()) + 1)]


def activation_patterns(model, bank: ImageBank, examples: Examples) -> np.ndarray:
    """The layer's activation vector (all channels but the examples' own) at each
    example's position: (k, channels). The own channel is zeroed: it is high everywhere
    by construction and would only hide the differences."""
    name = examples.layer
    images = bank.images(examples.tiles)
    rows = torch.tensor([p[0] for p in examples.positions])
    cols = torch.tensor([p[1] for p in examples.positions])

    def at_positions(acts):
        out = acts[name]
        index = [torch.arange(len(rows)), rows, cols]
        batch, row, col = (i.to(out.device) for i in index)
        return out[batch, :, row, col]

    pick = Objective(at_positions, [name], f"patterns of {name}")
    vectors = evaluate(model, pick, images, bank.side)
    vectors[:, examples.channel] = 0.0
    return vectors


def _silhouette(x: np.ndarray, n_clusters: int, seed: int):
    # scikit-learn takes seconds to import: only when clusters are asked for
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    with warnings.catch_warnings():  # identical vectors: fewer distinct groups than asked
        warnings.simplefilter("ignore")
        labels = KMeans(n_clusters, n_init=10, random_state=seed).fit_predict(x)
    if len(set(labels)) < 2:
        return labels, 0.0
    return labels, float(silhouette_score(x, labels, metric="euclidean"))


def cluster_examples(model, bank: ImageBank, layer: str, channel: int, n_clusters: int = 2,
                     k: int = 32, acts: Optional[BankActivations] = None, seed: int = 0,
                     shuffles: int = 5, **kwargs) -> Clusters:
    """k-means on the activation patterns of the channel's ``k`` top patches (vectors
    scaled to unit length, so groups differ in *which* channels co-fire, not how much).

    The silhouette says how separated the groups are; ``null_silhouette`` is what the
    same clustering reaches when every feature is shuffled across the patches (same
    values, no joint structure). Groups that really differ score well above it.
    Uses scikit-learn's KMeans.
    """
    n_clusters = contract.whole_number(n_clusters, "n_clusters", 2)
    k = contract.whole_number(k, "k", 2 * n_clusters,
                              fix=f"{n_clusters} groups need at least {2 * n_clusters} patches.")
    shuffles = contract.whole_number(shuffles, "shuffles", 1)
    examples = top_examples(model, bank, layer, channel, k, acts=acts, **kwargs)
    contract.at_least(len(examples), 2 * n_clusters, f"{n_clusters} groups of channel {channel}",
                      "distinct patches", fix="Use a larger bank or fewer groups.")
    vectors = activation_patterns(model, bank, examples)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    labels, silhouette = _silhouette(unit, n_clusters, seed)
    rng = np.random.default_rng(seed)
    null = []
    for _ in range(shuffles):
        shuffled = np.stack([rng.permutation(col) for col in unit.T], 1)
        shuffled /= np.maximum(np.linalg.norm(shuffled, axis=1, keepdims=True), 1e-8)
        null.append(_silhouette(shuffled, n_clusters, seed)[1])
    used = sorted(set(labels.tolist()))
    if len(used) < 2:  # every pattern alike: one group, nothing to tell apart
        return Clusters(examples, labels, 0.0, float(np.mean(null)), 1.0)
    centres = np.stack([unit[labels == g].mean(0) for g in used])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-8)
    sim = centres @ centres.T
    between = float((sim.sum() - np.trace(sim)) / (len(used) * (len(used) - 1)))
    return Clusters(examples, labels, silhouette, float(np.mean(null)), between)
