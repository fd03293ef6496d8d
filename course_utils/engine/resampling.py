"""The random warp's resampling, exact and faster: ``warp(x, theta, height, width)`` is
``F.grid_sample(x, F.affine_grid(theta, (n, c, height, width)))`` (bilinear, zeros
outside, ``align_corners=False``).

- The sampling grid is built from two broadcast sums instead of ``F.affine_grid``'s
  (pixels, 3) × (3, 2) batched matrix product.
- The CPU kernel of ``grid_sample``'s backward pass works on one image per thread, so a
  batch of one would use one thread: the output rows are cut into bands, each band
  becomes a batch entry, and autograd sums the bands' gradients. The output is
  bit-identical; the gradient differs only in the order of a sum (last bits).
"""
from typing import Optional

import torch
import torch.nn.functional as F


def affine_grid(theta: torch.Tensor, height: int, width: Optional[int] = None) -> torch.Tensor:
    """``F.affine_grid(theta, (n, c, height, width), align_corners=False)``: (n, H, W, 2)."""
    width = height if width is None else width
    ys = (torch.arange(height, dtype=theta.dtype, device=theta.device) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=theta.dtype, device=theta.device) * 2 + 1) / width - 1
    cols, rows = xs.view(1, 1, width), ys.view(1, height, 1)
    t = theta[..., None, None]  # (n, 2, 3, 1, 1)
    grid_x = t[:, 0, 0] * cols + t[:, 0, 1] * rows + t[:, 0, 2]
    grid_y = t[:, 1, 0] * cols + t[:, 1, 1] * rows + t[:, 1, 2]
    return torch.stack([grid_x, grid_y], -1)


def grid_sample(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``F.grid_sample(x, grid, align_corners=False)``, faster for small CPU batches."""
    n, c, h, w = x.shape
    out_h, out_w = grid.shape[1:3]
    bands = max(1, torch.get_num_threads() // n) if x.device.type == "cpu" else 1
    while out_h % bands:
        bands -= 1
    if bands == 1:
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    rows = out_h // bands
    grids = grid.reshape(n, bands, rows, out_w, 2).transpose(0, 1).reshape(-1, rows, out_w, 2)
    copies = x.expand(bands, n, c, h, w).reshape(bands * n, c, h, w)
    out = F.grid_sample(copies, grids, mode="bilinear", padding_mode="zeros",
                        align_corners=False)
    return out.reshape(bands, n, c, rows, out_w).permute(1, 2, 0, 3, 4).reshape(n, c, out_h,
                                                                               out_w)


def warp(x: torch.Tensor, theta: torch.Tensor, height: int, width: Optional[int] = None
         ) -> torch.Tensor:
    """Resample images ``x`` (N, C, H, W) through the affine maps ``theta`` (N, 2, 3, in
    normalized coordinates) onto a ``height`` × ``width`` grid; zeros outside."""
    return grid_sample(x, affine_grid(theta.to(x), height, width))
