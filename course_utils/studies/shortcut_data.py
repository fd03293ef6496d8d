"""A synthetic "scan" data set with a shortcut planted in it, generated in code.

Each scan is a grey, blotchy body with one round patch of stripes somewhere in it.
The class is told by the direction of the stripes (``CLASSES``). As with real
diagnoses, a few labels disagree with what the image shows: the stripes show the
label's direction on ``stripe_agreement`` of the scans (90 % by default; 100 % for a
carefully reviewed test set). In the top-left corner sits a small "hospital tag"
(``TAGS``: a grey label with a light or a dark square in it), like the tokens X-ray
machines burn into their images (Zech et al. 2018). In the training set the tag type
agrees with the label on ``tag_agreement`` of the scans (95 %), independently of the
stripes: reading the tag is easier than reading the stripes, and in this training set
it is even right more often. That is the shortcut.

>>> train = make_scans(2000, seed=0)                     # tags agree on 95 %
>>> images, labels, tags, stripes = train   # (N, 3, 64, 64) in [0, 1], (N,), (N,), (N,)
>>> swapped = make_scans(500, seed=1, tags="swapped", stripe_agreement=1.0)
"""
import math
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F

from .. import contract
from ..errors import CourseError

CLASSES = ("horizontal stripes", "vertical stripes")
TAGS = ("light", "dark")
TAG_MODES = ("agree", "swapped", "random", "none")
IMAGE_SIZE = 64
NO_TAG = -1  # tag type of a scan without a tag

TAG_SIZE = 10      # side of the tag (a grey label with a square in it), pixels
TAG_BORDER = 2     # width of the label's grey frame around the square, pixels
TAG_OFFSET = 3     # distance of the tag from the top and left edges, pixels
LABEL_GREY = 0.5   # grey of the label
TAG_VALUES = (0.95, 0.05)  # the square: light for tag 0, dark for tag 1
REGION = 16        # side of the corner region that holds the tag, pixels
PATCH_RADIUS = (8.0, 11.0)     # radius range of the striped patch, pixels
STRIPE_PERIOD = (4.0, 6.0)     # stripe period range, pixels
STRIPE_TILT = 20.0             # largest tilt away from the class direction, degrees
STRIPE_CONTRAST = (0.08, 0.16)  # peak-to-mean amplitude range of the stripes
NOISE = 0.06                   # standard deviation of the pixel noise
TAG_AGREEMENT = 0.95           # training default: the tag matches the label this often
STRIPE_AGREEMENT = 0.9         # training default: the stripes match the label this often


class Scans(NamedTuple):
    """Images (N, 3, 64, 64) in [0, 1], labels (N,), tag types (N,; -1 = no tag) and
    the stripe direction each image shows (N,; an index into ``CLASSES``)."""

    images: torch.Tensor
    labels: torch.Tensor
    tags: torch.Tensor
    stripes: torch.Tensor

    def __len__(self) -> int:  # the number of scans, not of fields
        return int(self.labels.shape[0])

    @property
    def tag_agreement(self) -> float:
        """Share of the tagged scans whose tag type equals their label (nan if none)."""
        tagged = self.tags != NO_TAG
        if not bool(tagged.any()):
            return float("nan")
        return float((self.tags[tagged] == self.labels[tagged]).float().mean())

    @property
    def stripe_agreement(self) -> float:
        """Share of the scans whose stripes show their label's direction."""
        return float((self.stripes == self.labels).float().mean())


def _check_arguments(n, seed, tags, tag_agreement, stripe_agreement) -> None:
    contract.whole_number(n, "n (the number of scans)", 1,
                          fix="Use for example make_scans(2000, seed=0).")
    contract.whole_number(seed, "seed", 0, fix="The same seed always gives the same scans; "
                                               "use another seed for a fresh split.")
    contract.one_of(tags, "tags", TAG_MODES,
                    fix="'agree' uses `tag_agreement`; 'swapped' gives every scan the other "
                        "class's tag; 'random' draws tags independently of the label; 'none' "
                        "leaves the corner empty.")
    if tag_agreement is not None:
        if tags != "agree":
            raise CourseError(f"tag_agreement={tag_agreement!r} only applies to tags='agree',"
                              f" but tags={tags!r}. Leave tag_agreement out, or use "
                              "tags='agree'.")
        contract.probability(tag_agreement, "tag_agreement",
                             "0.95 means the tag matches the label on 95 % of the scans.")
    contract.probability(stripe_agreement, "stripe_agreement",
                         "0.9 means the stripes show the label's direction on 90 % of the "
                         "scans; 1.0 gives perfectly clean labels.")


def _smooth_field(n: int, cells: int, g: torch.Generator) -> torch.Tensor:
    """(n, 1, 64, 64) smooth random field in [0, 1]: coarse noise, bicubically enlarged."""
    coarse = torch.rand(n, 1, cells, cells, generator=g)
    return F.interpolate(coarse, size=IMAGE_SIZE, mode="bicubic", align_corners=False).clamp(0, 1)


def _uniform(n: int, bounds: Tuple[float, float], g: torch.Generator) -> torch.Tensor:
    lo, hi = bounds
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _grid() -> Tuple[torch.Tensor, torch.Tensor]:
    coords = torch.arange(IMAGE_SIZE, dtype=torch.float32) + 0.5
    return torch.meshgrid(coords, coords, indexing="ij")  # (y, x)


def _bodies(n: int, g: torch.Generator) -> torch.Tensor:
    """Grey, blotchy "tissue" filling most of the frame, darker towards the edges."""
    y, x = _grid()
    centre = IMAGE_SIZE / 2
    radius = torch.sqrt((y - centre) ** 2 + (x - centre) ** 2) / centre
    vignette = (1.0 - 0.45 * radius.clamp(0, 1.4) ** 2)[None, None]
    tissue = 0.25 + 0.25 * _smooth_field(n, 6, g) + 0.08 * _smooth_field(n, 16, g)
    return tissue * vignette


def _stripe_patches(stripes: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """(n, 1, 64, 64) zero-mean stripes in a soft disc, in the direction ``stripes``."""
    n = stripes.shape[0]
    y, x = _grid()
    radius = _uniform(n, PATCH_RADIUS, g)
    low, high = REGION + radius, IMAGE_SIZE - 4 - radius  # keep clear of the tag's corner
    cy = low + (high - low) * torch.rand(n, generator=g)
    cx = low + (high - low) * torch.rand(n, generator=g)
    # horizontal stripes vary along y (angle 90°), vertical ones along x (angle 0°)
    angle = (90.0 * (1 - stripes.float()) + _uniform(n, (-STRIPE_TILT, STRIPE_TILT), g))
    angle = angle * math.pi / 180
    period = _uniform(n, STRIPE_PERIOD, g)
    phase = _uniform(n, (0.0, 2 * math.pi), g)
    contrast = _uniform(n, STRIPE_CONTRAST, g)
    v = lambda t: t.view(n, 1, 1)  # noqa: E731 - per-scan scalars broadcast over the grid
    along = (x[None] - v(cx)) * v(torch.cos(angle)) + (y[None] - v(cy)) * v(torch.sin(angle))
    waves = torch.cos(2 * math.pi * along / v(period) + v(phase))
    dist = torch.sqrt((x[None] - v(cx)) ** 2 + (y[None] - v(cy)) ** 2)
    disc = torch.sigmoid((v(radius) - dist) / 1.5)  # soft edge, 1 inside, 0 outside
    return (v(contrast) * waves * disc)[:, None]


def tag_token(tag: int) -> torch.Tensor:
    """The (TAG_SIZE, TAG_SIZE) grey values of a tag: a mid-grey label with a light
    (tag 0) or a dark (tag 1) square in its middle."""
    tag = contract.whole_number(tag, "tag", 0, 1, fix=f"0 is {TAGS[0]}, 1 is {TAGS[1]}.")
    token = torch.full((TAG_SIZE, TAG_SIZE), LABEL_GREY)
    inner = slice(TAG_BORDER, TAG_SIZE - TAG_BORDER)
    token[inner, inner] = TAG_VALUES[tag]
    return token


def _draw_tags(images: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
    """Paint each scan's tag into its top-left corner (scans with tag -1 keep theirs)."""
    out = images.clone()
    box = slice(TAG_OFFSET, TAG_OFFSET + TAG_SIZE)
    for t in (0, 1):
        out[tags == t, :, box, box] = tag_token(t)
    return out


def _agreeing(labels: torch.Tensor, share: float, g: torch.Generator) -> torch.Tensor:
    """The label on exactly ``round(share * n)`` randomly chosen items, the other class
    on the rest."""
    n = labels.shape[0]
    agree = torch.zeros(n, dtype=torch.bool)
    agree[torch.randperm(n, generator=g)[:round(share * n)]] = True
    return torch.where(agree, labels, 1 - labels)


def _tag_types(labels: torch.Tensor, tags: str, agreement: float,
               g: torch.Generator) -> torch.Tensor:
    n = labels.shape[0]
    if tags == "none":
        return torch.full((n,), NO_TAG, dtype=torch.long)
    if tags == "swapped":
        return 1 - labels
    if tags == "random":
        return torch.randint(0, 2, (n,), generator=g)
    return _agreeing(labels, agreement, g)


def make_scans(n: int, seed: int = 0, tags: str = "agree",
               tag_agreement: Optional[float] = None,
               stripe_agreement: float = STRIPE_AGREEMENT) -> Scans:
    """``n`` synthetic scans, the same for the same ``seed``.

    tags: ``'agree'`` — the tag type equals the label on exactly
        ``round(tag_agreement * n)`` scans (chosen at random; ``tag_agreement`` is 0.95
        unless given) and is the other type on the rest; ``'swapped'`` — every tag names
        the other class; ``'random'`` — tags drawn independently of the label (the
        correlation is broken); ``'none'`` — no tag.
    stripe_agreement: the stripes show the label's direction on exactly
        ``round(stripe_agreement * n)`` scans, chosen independently of the tags.
    Labels are balanced (``n // 2`` of each class, plus one for odd ``n``) and shuffled.
    The same ``seed`` and ``stripe_agreement`` give the same bodies and stripes whatever
    ``tags`` is: only the corner differs, so a split can be compared with and without
    its tags.
    """
    _check_arguments(n, seed, tags, tag_agreement, stripe_agreement)
    g = torch.Generator().manual_seed(int(seed))
    labels = (torch.arange(n) % 2)[torch.randperm(n, generator=g)]
    stripes = _agreeing(labels, float(stripe_agreement), g)
    images = _bodies(n, g) + _stripe_patches(stripes, g)
    images = images + NOISE * torch.randn(n, 1, IMAGE_SIZE, IMAGE_SIZE, generator=g)
    images = images.clamp(0, 1).expand(n, 3, IMAGE_SIZE, IMAGE_SIZE).contiguous()
    agreement = TAG_AGREEMENT if tag_agreement is None else float(tag_agreement)
    tag_types = _tag_types(labels, tags, agreement, g)
    return Scans(_draw_tags(images, tag_types), labels, tag_types, stripes)


def tag_region(size: int = IMAGE_SIZE) -> Tuple[slice, slice]:
    """(rows, columns) of the corner region that holds the tag, in an image of side
    ``size`` (the region scales with the image: 16 px of a 64 px scan)."""
    side = max(1, round(REGION * size / IMAGE_SIZE))
    return slice(0, side), slice(0, side)
