"""Bilinear resampling for the random warp, with a single image's rows spread over threads.

``grid_sample(x, grid)`` computes exactly ``F.grid_sample(x, grid)`` (bilinear, zeros
outside, ``align_corners=False``). The CPU kernel's backward pass works on one image per
thread, so a batch of one would use one thread: here the output rows are cut into bands,
each band becomes a batch entry, and autograd sums the bands' gradients. The output is
bit-identical; the gradient differs only in the order of a sum (last bits).
"""
import torch
import torch.nn.functional as F


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
