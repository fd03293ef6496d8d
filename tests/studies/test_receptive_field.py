"""Receptive fields measured from input gradients, checked against fields computed by hand."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.errors import CourseError
from course_utils.models import wrap_module
from course_utils.studies.receptive_field import clip_box, receptive_field

# (kernel, stride, padding, dilation) of each layer of the hand-built net
LAYERS = {"c1": (3, 1, 1, 1), "c2": (3, 2, 1, 1), "c3": (3, 2, 1, 1), "c4": (3, 1, 2, 2),
          "pool": (2, 2, 0, 1)}


def by_hand():
    """The textbook recursion: size += (k_eff - 1) * jump; offset -= pad * jump; jump *= s.
    c1: 3, jump 1, offset -1 | c2: 5, 2, -2 | c3: 9, 4, -4 | c4 (dilated, k_eff 5):
    25, 4, -12 | pool: 29, 8, -12."""
    size, jump, offset, fields = 1, 1, 0, {}
    for name, (k, s, p, d) in LAYERS.items():
        size += (d * (k - 1)) * jump
        offset -= p * jump
        jump *= s
        fields[name] = (size, jump, offset)
    return fields


class HandNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, 1, 1)
        self.r1 = nn.ReLU()
        self.c2 = nn.Conv2d(4, 4, 3, 2, 1)
        self.r2 = nn.ReLU()
        self.c3 = nn.Conv2d(4, 4, 3, 2, 1)
        self.c4 = nn.Conv2d(4, 4, 3, 1, 2, dilation=2)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        x = self.pool(self.c4(self.c3(self.r2(self.c2(self.r1(self.c1(x)))))))
        return self.fc(x.mean((2, 3)))


@pytest.fixture(scope="module")
def hand():
    torch.manual_seed(0)
    return wrap_module(HandNet(), name="hand", input_size=32,
                       stages={"early": "c1", "mid": "c3", "late": "c4"})


def support(model, layer, i, j, side, probes=2):
    """Rows and columns with a non-zero input gradient for position (i, j), computed
    directly (independently of the module under test)."""
    from course_utils.hooks import capture

    rows, cols = set(), set()
    for seed in range(probes):
        x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(seed + 7))
        x.requires_grad_(True)
        with capture(model.module, [layer], detach=False) as acts:
            model.module(model.preprocess(x))
        g, = torch.autograd.grad(acts[layer][0, :, i, j].sum(), x)
        nz = g[0].abs().sum(0) > 0
        rows |= set(torch.nonzero(nz.any(1)).flatten().tolist())
        cols |= set(torch.nonzero(nz.any(0)).flatten().tolist())
    return min(rows), max(rows) + 1, min(cols), max(cols) + 1


@pytest.mark.parametrize("layer", list(LAYERS))
def test_hand_built_net_matches_the_hand_computation(hand, layer):
    rf = receptive_field(hand, layer)
    assert (rf.size, rf.jump, rf.offset) == by_hand()[layer]
    assert rf.bounded


def test_box_matches_the_gradient_support_at_the_native_size(hand):
    rf = receptive_field(hand, "c3")
    for i, j in [(3, 5), (4, 2)]:  # interior positions: their field is inside the image
        top, left, bottom, right = rf.box(i, j)
        assert (top, bottom, left, right) == support(hand, "c3", i, j, 32)
    # a border position is clipped by the image, exactly as the gradient says
    assert rf.box(0, 0, clip=True) == clip_box(rf.box(0, 0), 32)
    top, left, bottom, right = rf.box(0, 0, clip=True)
    assert (top, bottom, left, right) == support(hand, "c3", 0, 0, 32)


class SameConv(nn.Conv2d):
    """TensorFlow's "same" padding, computed from each input's size (asymmetric when the
    total is odd): the padding, and so the offset, changes with the input size."""

    def forward(self, x):
        k, s, size = self.kernel_size[0], self.stride[0], x.shape[-1]
        pad = max((math.ceil(size / s) - 1) * s + k - size, 0)
        return F.conv2d(F.pad(x, [pad // 2, pad - pad // 2] * 2), self.weight, self.bias, s)


def test_offset_holds_for_size_dependent_padding():
    """At 26 px the pads are (0, 1), (1, 1), (1, 1), (1, 1): by hand the last layer has
    size 31, jump 8, offset 0 - 2 - 4 - 8 = -14. At 52 px the second pad would be (0, 1)
    and the offset -12, so the probe size must keep the native padding."""
    net = nn.Sequential(SameConv(3, 4, 3, 2), nn.ReLU(), SameConv(4, 4, 3, 2), nn.ReLU(),
                        SameConv(4, 4, 3, 2), SameConv(4, 4, 3, 1))
    torch.manual_seed(0)
    model = wrap_module(net, input_size=26, stages={"late": "5"})
    rf = receptive_field(model, "late")
    assert (rf.size, rf.jump, rf.offset) == (31, 8, -14)
    last = rf.grid[0] - 1
    _, bottom, _, right = support(model, "5", 0, 0, 26)
    top, _, left, _ = support(model, "5", last, last, 26)
    assert (bottom, right) == rf.box(0, 0)[2:] and (top, left) == rf.box(last, last)[:2]


def test_effective_field_is_centred_and_smaller(hand):
    rf = receptive_field(hand, "c4")
    assert 1 <= rf.effective_size <= rf.size
    full, eff = rf.box(4, 4), rf.box(4, 4, effective=True)
    assert eff[0] >= full[0] and eff[2] <= full[2]
    assert abs((eff[0] + eff[2]) - (full[0] + full[2])) <= 1  # same centre


def test_union_over_probes_recovers_fields_cut_by_dead_relus():
    """A ReLU that is off for about half of the inputs: the union over several random
    probes still finds the field the architecture gives (3 + 2 = 5)."""
    class Gate(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(3, 1, 3, padding=1)
            self.relu = nn.ReLU()
            self.b = nn.Conv2d(1, 1, 3, padding=1)
            with torch.no_grad():
                self.a.weight.fill_(1.0)
                self.a.bias.fill_(-13.5)  # the mean of 27 uniform values: off half the time
                self.b.weight.fill_(1.0)
                self.b.bias.zero_()

        def forward(self, x):
            return self.b(self.relu(self.a(x))).mean((2, 3))

    model = wrap_module(Gate(), input_size=24, stages={"mid": "b"})
    many = receptive_field(model, "b", probes=8)
    assert many.size == 5
    assert receptive_field(model, "b", probes=1).size <= many.size


def test_global_layer_is_reported_unbounded():
    class Global(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 2, 3, padding=1)
            self.mix = nn.Identity()

        def forward(self, x):
            y = self.conv(x)
            return self.mix(y + y.mean((2, 3), keepdim=True)).mean((2, 3))

    model = wrap_module(Global(), input_size=16, stages={"mid": "mix"})
    rf = receptive_field(model, "mix", max_side=128)
    assert not rf.bounded
    assert rf.box(0, 0) == (0, 0, 16, 16)
    assert rf.interior().all()


def test_efficientnet_stem_is_three_pixels_stride_two(effnet):
    rf = receptive_field(effnet, "_conv_stem")
    assert (rf.size, rf.jump) == (3, 2)


def test_efficientnet_mid_box_holds_at_the_native_size(effnet):
    rf = receptive_field(effnet, "mid")
    side = effnet.input_size
    assert rf.size > rf.jump > 1 and rf.size < 2 * side
    # the one position whose whole field fits the image: box == gradient support
    inside = [i for i in range(rf.grid[0]) if rf.box(i, i)[0] >= 0 and rf.box(i, i)[2] <= side]
    assert inside, "some position of the mid stage should see only image pixels"
    i = inside[0]
    top, left, bottom, right = rf.box(i, i)
    assert (top, bottom, left, right) == support(effnet, rf.layer, i, i, side)


def test_interior_positions_keep_their_effective_field_inside(effnet):
    rf = receptive_field(effnet, "mid")
    mask = rf.interior()
    assert mask.shape == tuple(rf.grid) and 0 < mask.sum() < mask.size
    for i in range(rf.grid[0]):
        top, _, bottom, _ = rf.box(i, i, effective=True)
        assert mask[i, i] == (top >= 0 and bottom <= rf.input_size)


def test_bad_input_is_explained(hand):
    with pytest.raises(CourseError, match="Unknown layer"):
        receptive_field(hand, "c9")
    with pytest.raises(CourseError, match="Unknown layer|no spatial positions"):
        receptive_field(hand, "fc")
    with pytest.raises(CourseError, match="probes"):
        receptive_field(hand, "c1", probes=0)
