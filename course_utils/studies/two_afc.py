"""Which explains a channel better: its synthetic image or its natural top patches?

A machine stand-in for the two-alternative forced-choice (2-AFC) task of Borowski et al.
(2021). People saw reference images of a channel (synthetic feature visualizations, or
the natural patches that excite it most) and then two natural query patches, one that
excites the channel strongly and one weakly, and had to say which was the strong one.
On InceptionV1 they were right 92 ± 2 % of the time with 9 natural references and
82 ± 4 % with 9 synthetic ones (9 strongest and 9 weakest references, their first
experiment); with a single strongest reference, 73 ± 4 % and 65 ± 5 % (their second).
The ± are about two standard errors across participants.

Here references and queries come from different photos of the bank (``held_out``), as
the study took them from different images.

Here an observer that knows nothing about the channel picks the query that looks more
like the references, "looks like" meaning: mean cosine similarity in a fixed feature
space, the same for every condition.

Feature spaces (``space``):

* ``"early"`` (default): the mean of every channel of the model's early stage, a
  generic description of colours, edges and small textures. It never reads the target
  channel (which is deeper), so the observer cannot simply measure the answer — that
  would be circular — yet it sees the image through the same early vision the channel
  is built on, the way people judge likeness by what they see, not by the unit itself.
* ``"pixels"``: no network at all: colour means, spreads and histograms plus a histogram
  of gradient orientations and edge strength. A control that cannot leak anything from
  the model.

Each feature is standardized with the mean and spread of the query patches (the same
for every condition) and clipped to ±3, so that no one feature decides alone. With no
references the observer can only guess, so it is right half the time by construction:
each trial scores 0.5, and the Wilson interval around it shows how far a real
coin-flipping observer could land by luck with this many trials.

Above chance is not yet about *the channel*: strong patches of a layer may look alike
whatever the channel. So the same queries are also judged with *another* channel's
references (the next channel in the list): the difference between the two is what the
references say about their own channel.
"""
import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .. import contract
from ..errors import CourseError
from ..optim import channel_activations, render_channels
from .dataset_examples import BankActivations, Examples, bank_activations, ranked_examples
from .image_bank import ImageBank
from .statistics import bootstrap_interval, wilson_interval

SPACES = ("early", "pixels")
# Borowski et al. 2021, as reported: (kind of references, how many) -> (accuracy, ±)
HUMANS = {("natural", 9): (0.92, 0.02), ("synthetic", 9): (0.82, 0.04),
          ("natural", 1): (0.73, 0.04), ("synthetic", 1): (0.65, 0.05)}


def pixel_statistics(images: torch.Tensor, side: int = 64) -> np.ndarray:
    """Model-free description of each image (N, 40): colour means and spreads (6), colour
    histograms (3 × 8), a magnitude-weighted histogram of gradient orientations (8) and
    the mean edge strength at two scales (2)."""
    images, side = contract.image_batch(images), contract.side(side, "side")
    x = F.interpolate(images.float().cpu(), size=(side, side), mode="bilinear",
                      antialias=True, align_corners=False).clamp(0, 1)
    n = x.shape[0]
    colour = [x.mean((2, 3)), x.std((2, 3))]
    bins = torch.clamp((x * 8).long(), max=7).flatten(2)
    hist = F.one_hot(bins, 8).float().mean(2).flatten(1)
    grey = x.mean(1, keepdim=True)
    edges = []
    for g in (grey, F.avg_pool2d(grey, 2)):
        gy, gx = g[..., 1:, :-1] - g[..., :-1, :-1], g[..., :-1, 1:] - g[..., :-1, :-1]
        edges.append((gx, gy))
    gx, gy = edges[0]
    mag = torch.sqrt(gx ** 2 + gy ** 2).flatten(1)
    angle = torch.remainder(torch.atan2(gy, gx), math.pi).flatten(1)
    which = torch.clamp((angle / math.pi * 8).long(), max=7)
    orient = torch.zeros(n, 8).scatter_add_(1, which, mag)
    orient = orient / orient.sum(1, keepdim=True).clamp_min(1e-8)
    strength = [torch.sqrt(a ** 2 + b ** 2).mean((1, 2, 3)) for a, b in edges]
    return torch.cat(colour + [hist, orient, torch.stack(strength, 1)], 1).numpy()


def image_features(model, images: torch.Tensor, space: str = "early") -> np.ndarray:
    """Features of each image (N, D) in ``space`` (see the module docstring). Images
    are resized to the model's input size first, so every source is seen alike."""
    contract.one_of(space, "space", SPACES)
    images = contract.image_batch(images)
    if space == "pixels":
        return pixel_statistics(images)
    side = model.input_size
    seen = F.interpolate(images.float(), size=(side, side), mode="bilinear",
                         antialias=True, align_corners=False).clamp(0, 1)
    return np.concatenate([channel_activations(model, "early", seen[i:i + 32], side)
                           for i in range(0, len(seen), 32)])


def _standardize(features: np.ndarray, mean: np.ndarray, std: np.ndarray,
                 limit: float = 3.0) -> np.ndarray:
    """z-scores, clipped to ±``limit`` so that no single feature on which an image is far
    outside the queries' range (a synthetic image's texture, say) decides alone; then
    scaled to unit length for cosine similarity."""
    z = np.clip((features - mean) / std, -limit, limit)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-8)


def choose_stronger(queries_a: np.ndarray, queries_b: np.ndarray, references: np.ndarray
                    ) -> np.ndarray:
    """For each pair (row of a, row of b): True when ``a`` is more similar (mean cosine,
    rows already unit length) to the references than ``b``. Ties count as wrong."""
    sim_a = (queries_a @ references.T).mean(1)
    sim_b = (queries_b @ references.T).mean(1)
    return sim_a > sim_b


@dataclass
class Condition:
    """Outcome of one condition: every trial, and the accuracy with two intervals."""

    name: str
    correct: np.ndarray           # (trials,) 1 right, 0 wrong (0.5: a guess's expectation)
    channels: np.ndarray          # (trials,) channel of each trial
    accuracy: float = 0.0
    wilson: Tuple[float, float] = (0.0, 0.0)      # trials taken as independent
    bootstrap: Tuple[float, float] = (0.0, 0.0)   # channels resampled

    def __post_init__(self):
        n = len(self.correct)
        self.correct = np.asarray(self.correct, dtype=float)
        self.accuracy = float(self.correct.mean())
        self.wilson = wilson_interval(float(self.correct.sum()), n)
        groups = [self.correct[self.channels == c] for c in np.unique(self.channels)]
        self.bootstrap = bootstrap_interval(groups)

    def per_channel(self) -> Dict[int, float]:
        return {int(c): float(self.correct[self.channels == c].mean())
                for c in np.unique(self.channels)}


@dataclass
class TwoAFCResult:
    """Accuracy per condition (``synthetic``, ``natural``, ``natural (1)``, the two
    other-channel controls, ``none``); ``queries[c]`` holds
    channel ``c``'s (strong, weak) query patches, pair by pair, and ``natural[c]`` its
    natural references."""

    conditions: Dict[str, Condition]
    layer: str
    channels: List[int]
    pairs: int
    space: str
    references: Dict[str, int] = field(default_factory=dict)  # reference images per condition
    queries: Dict[int, Tuple[Examples, Examples]] = field(default_factory=dict, repr=False)
    natural: Dict[int, Examples] = field(default_factory=dict, repr=False)  # references
    query_photos: List[str] = field(default_factory=list, repr=False)

    def __getitem__(self, name: str) -> Condition:
        return self.conditions[name]

    def difference(self, a: str, b: str, confidence: float = 0.95, resamples: int = 2000,
                   seed: int = 0) -> Tuple[float, Tuple[float, float]]:
        """Accuracy of condition ``a`` minus that of ``b``, with a paired interval: both
        judged the same query pairs, so whole channels are resampled for both at once."""
        ca, cb = self.conditions[a], self.conditions[b]
        per = [ca.correct[ca.channels == c] - cb.correct[cb.channels == c]
               for c in np.unique(ca.channels)]
        sums, counts = np.array([p.sum() for p in per]), np.array([len(p) for p in per])
        picks = np.random.default_rng(seed).integers(0, len(per), size=(resamples, len(per)))
        diffs = sums[picks].sum(1) / counts[picks].sum(1)
        tail = (1 - confidence) / 2 * 100
        return (float(sums.sum() / counts.sum()),
                (float(np.percentile(diffs, tail)), float(np.percentile(diffs, 100 - tail))))

    def table(self) -> str:
        lines = [f"{'references':>25} | images | accuracy | 95 % Wilson  | 95 % channel "
                 "bootstrap | people (Borowski 2021)"]
        for name, c in self.conditions.items():
            kind = name.split()[0] if "other" not in name else None
            human = HUMANS.get((kind, self.references.get(name)))
            people = f"{human[0]:.0%} ± {human[1]:.0%}" if human else "—"
            spread = "—        " if name == "none" else \
                f"{c.bootstrap[0]:.2f}–{c.bootstrap[1]:.2f}"
            lines.append(f"{name:>25} | {self.references.get(name, 0):6d} | {c.accuracy:8.1%} | "
                         f"{c.wilson[0]:.2f}–{c.wilson[1]:.2f}    | {spread}              | "
                         f"{people}")
        lines.append(f"{len(self.channels)} channels of {self.layer} × {self.pairs} query "
                     f"pairs = {len(next(iter(self.conditions.values())).correct)} trials per "
                     f"condition; feature space: {self.space}; none = a coin flip, scored "
                     "0.5 per trial by construction")
        lines.append("people: 9 images = 9 strongest + 9 weakest references (their first "
                     "experiment), 1 = the single strongest (their second); ± about two "
                     "standard errors across participants")
        return "\n".join(lines)


def _check_inputs(model, layer, channels, synthetic, pairs, references, space):
    name = contract.course_model(model).resolve(layer)
    channels = contract.non_empty_list(channels, "channels", "range(10)")
    for c in channels:
        model.check_channel(name, c)
    pairs = contract.whole_number(pairs, "pairs", 1)
    references = contract.whole_number(references, "references", 1)
    contract.one_of(space, "space", SPACES)
    if space == "early" and model.resolve("early") == name:
        raise CourseError(f"The feature space 'early' reads {name!r}, the layer under "
                          "test: the observer would see the answer. Use space='pixels' or "
                          "test a deeper layer.")
    synthetic = contract.instance_of(synthetic, dict, "synthetic",
                                     "synthetic_references(model, layer, channels)")
    missing = [c for c in channels if c not in synthetic]
    if missing:
        raise CourseError(f"synthetic has no images for channel(s) {missing}: give a dict "
                          "channel -> (n, 3, H, W) images, e.g. from synthetic_references.")
    for c in channels:
        contract.image_batch(synthetic[c], f"synthetic[{c}]")
    return name, channels, pairs, references


def synthetic_references(model, layer: str, channels: Sequence[int], seeds: Sequence[int] = (0,),
                         **render_kwargs) -> Dict[int, torch.Tensor]:
    """Feature visualizations of each channel, one per seed: channel -> (seeds, 3, H, W).
    ``render_kwargs`` go to ``render_channels`` (size, steps, progress, ...)."""
    channels = contract.non_empty_list(channels, "channels", "range(10)")
    seeds = contract.non_empty_list(seeds, "seeds", "(0, 1)")
    per_seed = [render_channels(model, layer, channels, seed=s, **render_kwargs).images
                for s in seeds]
    return {c: torch.stack([imgs[i] for imgs in per_seed]) for i, c in enumerate(channels)}


def two_afc(model, bank: ImageBank, layer: str, channels: Sequence[int],
            synthetic: Dict[int, torch.Tensor], pairs: int = 10, references: int = 9,
            space: str = "early", acts: Optional[BankActivations] = None, seed: int = 0,
            field: str = "effective", weak: str = "max", held_out: bool = True
            ) -> TwoAFCResult:
    """Run the machine 2-AFC proxy over ``channels`` of ``layer``.

    Per channel: natural references = its ``references`` top patches; queries = the next
    ``pairs`` strongest patches (sharing no pixels with the references) against the
    ``pairs`` weakest ones, paired at random. The same queries are judged with the
    synthetic references (``synthetic[channel]``), the natural ones, the single top
    natural patch (``"natural (1)"``, as many references as one synthetic image) and none
    (a coin flip, scored by its expectation: 0.5 per trial). With two or more channels, the
    same queries are also judged with the next channel's synthetic and natural references
    (``"synthetic (other channel)"``, ``"natural (other channel)"``): the control that says
    whether the references tell about *their* channel. Returns the accuracy of each
    condition with Wilson and channel-bootstrap 95 % intervals.

    held_out: references come from one half of the bank's photos and every query from
        the other half (alternating in name order), so an observer cannot win by
        recognizing the photo a reference came from. ``False`` draws both from all photos.
    weak: which patches are the weak queries. ``"max"`` (default): the tiles whose *best*
        position is weakest, where the channel stays quiet everywhere — what "minimally
        activating" means after a ReLU, as in the human study. ``"min"``: the lowest
        single activations (the bottom examples). They differ where a layer can go
        negative, as EfficientNet's stages (a linear projection) can: there the lowest
        values are an *opposite* pattern, often with the same colours and edges, and the
        task becomes much harder for any observer that judges by likeness.
    field: the crop of every natural patch (see ``ranked_examples``).
    """
    contract.one_of(weak, "weak", ("min", "max"))
    contract.one_of(field, "field", ("effective", "full"))
    held_out = contract.boolean(held_out, "held_out")
    name, channels, pairs, references = _check_inputs(model, layer, channels, synthetic, pairs,
                                                      references, space)
    acts = acts if acts is not None else bank_activations(model, bank, name, progress=False)
    rng = np.random.default_rng(seed)
    reference_photos, query_photos = split_photos(bank) if held_out else (None, None)
    natural, strong, weak_q = {}, {}, {}
    for c in channels:
        natural[c] = ranked_examples(model, bank, name, c, references, acts=acts, field=field,
                                     photos=reference_photos)
        strong[c] = ranked_examples(model, bank, name, c, pairs, acts=acts, field=field,
                                    avoid=natural[c], photos=query_photos)
        weak_q[c] = ranked_examples(model, bank, name, c, pairs, weak, True, acts=acts,
                                    field=field, photos=query_photos)
        contract.at_least(min(len(strong[c]), len(weak_q[c])), pairs,
                          f"pairs={pairs} for channel {c}", "distinct strong and weak patches "
                          "in the bank", fix="Use fewer pairs or a larger bank.")
        weak_q[c] = _reorder(weak_q[c], rng.permutation(pairs))
    feats = {kind: {c: image_features(model, source[c].images if kind != "synthetic"
                                      else source[c], space)
                    for c in channels}
             for kind, source in (("strong", strong), ("weak", weak_q), ("natural", natural),
                                  ("synthetic", synthetic))}
    pooled = np.concatenate([feats["strong"][c] for c in channels]
                            + [feats["weak"][c] for c in channels])
    mean, std = pooled.mean(0), pooled.std(0) + 1e-6  # fixed across conditions
    unit = {kind: {c: _standardize(f, mean, std) for c, f in per.items()}
            for kind, per in feats.items()}
    controls = len(channels) > 1
    names = ["synthetic", "natural", "natural (1)"]
    names += ["synthetic (other channel)", "natural (other channel)"] if controls else []
    results, which = {name: [] for name in names + ["none"]}, []
    for i, c in enumerate(channels):
        a, b = unit["strong"][c], unit["weak"][c]
        other = channels[(i + 1) % len(channels)]
        # a is always the strong query; an observer that ignores order cannot exploit it
        results["synthetic"].append(choose_stronger(a, b, unit["synthetic"][c]))
        results["natural"].append(choose_stronger(a, b, unit["natural"][c]))
        results["natural (1)"].append(choose_stronger(a, b, unit["natural"][c][:1]))
        if controls:
            results["synthetic (other channel)"].append(
                choose_stronger(a, b, unit["synthetic"][other]))
            results["natural (other channel)"].append(
                choose_stronger(a, b, unit["natural"][other]))
        results["none"].append(np.full(pairs, 0.5))  # a guess: right half the time
        which.append(np.full(pairs, c))
    which = np.concatenate(which)
    conditions = {k: Condition(k, np.concatenate(v), which) for k, v in results.items()}
    counts = {"synthetic": min(len(synthetic[c]) for c in channels), "natural": references,
              "natural (1)": 1, "none": 0}
    if controls:
        counts.update({"synthetic (other channel)": counts["synthetic"],
                       "natural (other channel)": references})
    return TwoAFCResult(conditions, name, channels, pairs, space, counts,
                        {c: (strong[c], weak_q[c]) for c in channels}, natural,
                        query_photos or sorted(bank.photos))


def split_photos(bank: ImageBank) -> Tuple[List[str], List[str]]:
    """The bank's photos in two halves, alternating in name order: (reference photos,
    query photos)."""
    names = sorted(bank.photos)
    contract.at_least(len(names), 2, "held_out", "photos in the bank",
                      fix="Use held_out=False or a larger bank.")
    return names[0::2], names[1::2]


def _reorder(examples: Examples, order: np.ndarray) -> Examples:
    take = lambda seq: [seq[i] for i in order]  # noqa: E731
    return Examples(examples.layer, examples.channel, examples.images[torch.as_tensor(order)],
                    examples.activations[order], take(examples.tiles),
                    take(examples.positions), take(examples.boxes), take(examples.photos),
                    take(examples.source_boxes))
