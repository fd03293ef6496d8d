"""Faster exact equivalents of a few slow network pieces, used only by the render copy.

Each one computes the same function as the layer it replaces (tested to 1e-5 on outputs
and input gradients in ``tests/engine/test_fast_ops.py``); it is faster because its backward pass
is written by hand with fewer passes over memory, or because it picks a better algorithm:
- ``local_response_norm``: the channel-window sum is a few shifted adds (not 3-D
  pooling), and the backward is a handful of elementwise passes, not autograd's dozen;
- ``redirected_relu``: Lucent's ReLU whose gradient leaks 10 % where the input is
  negative, with a single fused backward pass;
- ``ZeroSkippingCat``: concatenation whose backward skips branches that receive only
  zeros (the other branches of an Inception block, for a channel objective);
- ``PaddedConv2d``: a convolution that owns its (possibly asymmetric) zero padding; for a
  strided convolution of an RGB image its input gradient is one small ordinary
  convolution plus a pixel shuffle (the polyphase form), not a transposed convolution.
Weights are frozen in the render copy, so no weight gradients are computed.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn


def _channel_window_sum(x: torch.Tensor, before: int, after: int) -> torch.Tensor:
    """Σ x[:, c-before … c+after] for every channel c (zero outside), as shifted in-place
    adds along the channel axis: in channels-last memory each add reads contiguous rows."""
    rows = x.permute(0, 2, 3, 1)  # channels last: a view, no copy, for channels-last x
    channels = rows.shape[-1]
    padded = F.pad(rows, (before, after))
    total = padded[..., :channels].clone()
    for offset in range(1, before + after + 1):
        total += padded[..., offset:offset + channels]
    return total.permute(0, 3, 1, 2)


def _inverse_power(d: torch.Tensor, beta: float) -> torch.Tensor:
    """``d ** -beta``, with fast paths for the exponents real networks use."""
    if beta == 0.5:
        return d.rsqrt()
    if beta == 0.75:
        r = d.rsqrt()
        return r.mul_(r.sqrt())
    return d.pow(-beta)


class _LocalResponseNorm(torch.autograd.Function):
    """y = x · d^-β with d = k + α/size · Σ_window x² (as ``F.local_response_norm``)."""

    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):
        ctx.window = (size // 2, (size - 1) // 2)  # channels before and after c
        d = _channel_window_sum(x * x, *ctx.window).mul_(alpha / size).add_(k)
        scale = _inverse_power(d, beta)
        y = x * scale
        ctx.save_for_backward(x, y, d, scale)
        ctx.coef = 2 * alpha * beta / size
        ctx.set_materialize_grads(False)
        return y

    @staticmethod
    def backward(ctx, grad):
        if grad is None:
            return None, None, None, None, None
        x, y, d, scale = ctx.saved_tensors
        # dL/dx = g·d^-β − (2αβ/size) · x · Σ_window'(g · y / d), where window' is the
        # window read the other way (channels after c become channels before it).
        before, after = ctx.window
        through_d = _channel_window_sum(grad * y / d, after, before)
        grad_x = (grad * scale).addcmul_(x, through_d, value=-ctx.coef)
        return grad_x, None, None, None, None


def local_response_norm(x: torch.Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> torch.Tensor:
    """``F.local_response_norm`` for (N, C, H, W) tensors, faster forward and backward."""
    if x.dim() != 4:
        return F.local_response_norm(x, size, alpha, beta, k)
    return _LocalResponseNorm.apply(x, size, float(alpha), float(beta), float(k))


class _RedirectedReLU(torch.autograd.Function):
    """ReLU whose backward passes 10 % of the gradient where the input was negative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.set_materialize_grads(False)  # no gradient in, none out: the branch is skipped
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        if grad is None:
            return None
        (x,) = ctx.saved_tensors
        # one fused pass: grad where x > 0, 0.1·grad elsewhere. Lucent's rule differs only
        # where an input is exactly 0.0, which a float pre-activation practically never is.
        return torch.ops.aten.leaky_relu_backward(grad, x, 0.1, False)


def redirected_relu(x: torch.Tensor) -> torch.Tensor:
    return _RedirectedReLU.apply(x)


class FastRedirectedReLU(nn.Module):
    """Drop-in for Lucent's ``RedirectedReluLayer``."""

    def forward(self, x):
        return redirected_relu(x)


class _Concatenate(torch.autograd.Function):
    """``torch.cat`` whose backward gives no gradient (None) to inputs whose slice of the
    incoming gradient is all zeros, so autograd skips those branches entirely (the other
    functions here pass "no gradient" on instead of materializing zeros)."""

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim, ctx.sizes = dim, [t.shape[dim] for t in tensors]
        ctx.set_materialize_grads(False)
        return torch.cat(tensors, dim)

    @staticmethod
    def backward(ctx, grad):
        if grad is None:
            return (None,) * (len(ctx.sizes) + 1)
        pieces = grad.split(ctx.sizes, ctx.dim)
        if grad.device.type != "cpu":  # on a GPU each check would wait for the device
            return (None,) + tuple(pieces)
        return (None,) + tuple(p if bool(p.any()) else None for p in pieces)


class ZeroSkippingCat(nn.Module):
    """Drop-in for Lucent's ``CatLayer``. A channel objective on an Inception block reads
    one branch; the other branches' backward passes would only multiply zeros."""

    def forward(self, tensors, dim=1):
        return _Concatenate.apply(dim, *tensors)


def polyphase_kernel(weight: torch.Tensor, stride: int) -> torch.Tensor:
    """Rearrange a conv weight (O, C, kh, kw) so that the input gradient of the strided
    convolution is ``pixel_shuffle(conv2d(grad, kernel, padding=K-1), stride)``.

    Input row ``stride·m + a`` only meets kernel rows ``a, a+stride, …``: each of the
    stride² phases (a, b) is an ordinary convolution of the gradient with the flipped
    sub-kernel ``weight[:, :, a::stride, b::stride]``. Result: (C·stride², O, K, K).
    """
    out_ch, in_ch, kh, kw = weight.shape
    size = -(-max(kh, kw) // stride)  # K = ceil(k / stride)
    kernel = weight.new_zeros(in_ch, stride, stride, out_ch, size, size)
    for a in range(stride):
        for b in range(stride):
            sub = weight[:, :, a::stride, b::stride].permute(1, 0, 2, 3).flip(-1, -2)
            kernel[:, a, b, :, size - sub.shape[-2]:, size - sub.shape[-1]:] = sub
    return kernel.reshape(in_ch * stride * stride, out_ch, size, size)


class _PolyphaseConv(torch.autograd.Function):
    """Strided convolution whose input gradient uses ``polyphase_kernel``."""

    @staticmethod
    def forward(ctx, x, weight, bias, pad, stride, kernel):
        ctx.meta = (pad, stride, kernel.shape[-1], x.shape[-2:])
        ctx.save_for_backward(kernel)
        ctx.set_materialize_grads(False)
        return F.conv2d(F.pad(x, pad), weight, bias, stride)

    @staticmethod
    def backward(ctx, grad):
        if grad is None:
            return None, None, None, None, None, None
        (kernel,) = ctx.saved_tensors
        (left, _, top, _), stride, size, (h, w) = ctx.meta
        padded = F.pixel_shuffle(F.conv2d(grad, kernel, padding=size - 1), stride)
        return padded[:, :, top:top + h, left:left + w], None, None, None, None, None


class PaddedConv2d(nn.Module):
    """A frozen convolution with its own zero padding ``(left, right, top, bottom)``.

    No padded copy of a feature map is made: symmetric padding is the convolution's own,
    and TensorFlow's "SAME" padding for stride 2 (one more pixel after than before)
    becomes symmetric by giving the kernel a leading row/column of zeros, which also
    makes the backward of strided depthwise convolutions several times faster on the
    CPU. An RGB input is small, so it is simply padded; with a large kernel and a stride
    its input gradient takes the polyphase form.
    """

    SMALL_INPUT_CHANNELS = 4  # an image, not a feature map
    POLYPHASE_MIN_KERNEL = 7  # measured: faster for a 7×7 stem, slower for a 3×3 one

    def __init__(self, conv: nn.Conv2d, pad: Tuple[int, int, int, int] = (0, 0, 0, 0)):
        super().__init__()
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str) or \
                tuple(conv.dilation) != (1, 1):
            raise ValueError("PaddedConv2d takes a plain zero-padded, undilated Conv2d")
        ph, pw = conv.padding
        left, right, top, bottom = pad
        left, right, top, bottom = left + pw, right + pw, top + ph, bottom + ph
        weight = conv.weight.detach()
        image_input = conv.in_channels <= self.SMALL_INPUT_CHANNELS
        # a zero column (row) in front of the kernel = the input shifted right (down) by one
        if right == left + 1 and not image_input:
            weight, left = F.pad(weight, (1, 0, 0, 0)), left + 1
        if bottom == top + 1 and not image_input:
            weight, top = F.pad(weight, (0, 0, 1, 0)), top + 1
        self.pad = (left, right, top, bottom)
        self.explicit_pad = None if (left, top) == (right, bottom) else self.pad
        self.padding = (0, 0) if self.explicit_pad else (top, left)
        self.weight = nn.Parameter(weight.clone(), requires_grad=False)
        self.bias = None if conv.bias is None else nn.Parameter(conv.bias.detach().clone(),
                                                                requires_grad=False)
        self.stride, self.groups = tuple(conv.stride), conv.groups
        self.polyphase = (image_input and self.groups == 1
                          and self.stride[0] == self.stride[1] > 1
                          and max(conv.kernel_size) >= self.POLYPHASE_MIN_KERNEL)
        if self.polyphase:
            self.register_buffer("_kernel", polyphase_kernel(weight, self.stride[0]))

    def forward(self, x):
        if self.polyphase and torch.is_grad_enabled() and x.requires_grad:
            return _PolyphaseConv.apply(x, self.weight, self.bias, self.pad, self.stride[0],
                                        self._kernel)
        if self.explicit_pad:
            x = F.pad(x, self.explicit_pad)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)

    def extra_repr(self):
        return (f"{self.weight.shape[1] * self.groups}, {self.weight.shape[0]}, "
                f"kernel_size={tuple(self.weight.shape[-2:])}, stride={self.stride}, "
                f"padding={self.explicit_pad or self.padding}, groups={self.groups}, "
                f"polyphase={self.polyphase}")
