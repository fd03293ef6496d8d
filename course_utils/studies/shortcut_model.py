"""A small CNN for the synthetic scans, a seeded training loop and an accuracy check.

>>> net, history = train_scan_model(tags="agree", seed=0)   # the shortcut model
>>> accuracy(net, make_scans(500, seed=1, tags="swapped", stripe_agreement=1.0))
>>> model = as_course_model(net, "shortcut")   # render, evaluate, capture work on it

The network ends in a fully connected layer over the whole last feature map, so it
can weigh *where* a pattern is, not only whether it is there: a corner tag can matter
more than the same pattern elsewhere. Training runs on one CPU thread in seconds.
"""
import time
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .. import contract
from ..config import fast_mode
from ..errors import CourseError
from ..models import wrap_module
from ..progress import progress_bar
from .shortcut_data import CLASSES, IMAGE_SIZE, Scans, make_scans

STAGES = {"early": "relu1", "mid": "relu2", "late": "relu3"}
LATE = STAGES["late"]


class ScanNet(nn.Module):
    """conv(3→8, stride 2) → conv(8→16) → pool → conv(16→32) → pool → linear(2048 → 2).

    Every step is a named layer (``conv1``, ``relu1``, ..., ``fc``), so hooks, stages and
    the course's objectives can address it. It takes [0, 1] images and centres them
    itself. Weights are initialised from ``seed`` without touching the global random
    state.
    """

    def __init__(self, seed: int = 0, width: int = 8):
        super().__init__()
        contract.whole_number(seed, "seed", 0, fix="For example seed=0.")
        contract.whole_number(width, "width", 1, fix="For example width=8.")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            self.conv1 = nn.Conv2d(3, width, 5, stride=2, padding=2)       # 64 → 32
            self.relu1 = nn.ReLU()
            self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)
            self.relu2 = nn.ReLU()
            self.pool2 = nn.MaxPool2d(2)                                  # 32 → 16
            self.conv3 = nn.Conv2d(2 * width, 4 * width, 3, padding=1)
            self.relu3 = nn.ReLU()
            self.pool3 = nn.MaxPool2d(2)                                  # 16 → 8
            self.fc = nn.Linear(4 * width * (IMAGE_SIZE // 8) ** 2, len(CLASSES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu1(self.conv1((x - 0.5) / 0.25))  # centred input trains more reliably
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.pool3(self.relu3(self.conv3(x)))
        return self.fc(x.flatten(1))


def _check_scans(scans, name: str = "scans") -> None:
    contract.instance_of(scans, Scans, name, "make_scans(2000, seed=0)")


def _module_of(net) -> nn.Module:
    return contract.module(getattr(net, "module", net), "net")  # a CourseModel's network


def default_epochs() -> int:
    """Training epochs: 5 normally, 4 in fast mode (``COURSE_FAST=1``)."""
    return 4 if fast_mode() else 5


def default_train_size() -> int:
    """Training scans: 2000 normally, 1500 in fast mode."""
    return 1500 if fast_mode() else 2000


def train(net: nn.Module, scans: Scans, epochs: Optional[int] = None, batch_size: int = 50,
          lr: float = 1e-3, seed: int = 0, progress: bool = True) -> Dict[str, List[float]]:
    """Train ``net`` on ``scans`` with Adam and cross-entropy; same seed → same weights.

    The learning rate falls linearly from ``lr`` to zero over the run, so the last
    epochs settle instead of jumping around. The order of the batches comes from
    ``seed``. Training uses one CPU thread (restored afterwards): the network is so
    small that more threads only add overhead, and one thread gives the same weights on
    every machine. Returns the history: the mean loss and training accuracy of each
    epoch, and the seconds it took. The network is left in eval mode.
    """
    contract.module(net, "net")
    _check_scans(scans)
    epochs = default_epochs() if epochs is None else \
        contract.whole_number(epochs, "epochs", 1, fix="For example epochs=5.")
    batch_size = contract.whole_number(batch_size, "batch_size", 1, fix="For example 50.")
    seed = contract.whole_number(seed, "seed", 0, fix="For example seed=0.")
    lr = contract.real_number(lr, "lr (the learning rate)", above=0, fix="For example lr=1e-3.")
    progress = contract.boolean(progress, "progress")
    if not any(p.requires_grad for p in net.parameters()):
        raise CourseError("net has no trainable weights: it is frozen (a CourseModel's "
                          "module is). Train a fresh ScanNet first, then wrap it with "
                          "as_course_model.")
    g = torch.Generator().manual_seed(int(seed))
    n = len(scans)
    total_steps = epochs * ((n + batch_size - 1) // batch_size)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1 - s / total_steps)
    history = {"loss": [], "accuracy": [], "seconds": 0.0}
    start = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    net.train()
    try:
        for _ in progress_bar(range(epochs), desc="training (epochs)", disable=not progress):
            order = torch.randperm(n, generator=g)
            total_loss, correct = 0.0, 0
            for i in range(0, n, batch_size):
                idx = order[i:i + batch_size]
                logits = net(scans.images[idx])
                loss = F.cross_entropy(logits, scans.labels[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                total_loss += float(loss.detach()) * len(idx)
                correct += int((logits.argmax(1) == scans.labels[idx]).sum())
            history["loss"].append(total_loss / n)
            history["accuracy"].append(correct / n)
    finally:
        net.eval()
        torch.set_num_threads(threads)
    history["seconds"] = time.perf_counter() - start
    return history


def train_scan_model(tags: str = "agree", seed: int = 0, n: Optional[int] = None,
                     epochs: Optional[int] = None, progress: bool = True
                     ) -> Tuple[ScanNet, Dict[str, List[float]]]:
    """Make a training set with ``tags`` (see ``make_scans``) and train a fresh ScanNet
    on it, both from ``seed``. Sizes follow fast mode unless given. Returns (net, history).

    ``tags='agree'`` gives the shortcut model, ``'random'`` the fixed one (same scans,
    tags that no longer say anything), ``'none'`` a model that never saw a tag.
    """
    n = default_train_size() if n is None else n
    scans = make_scans(n, seed=seed, tags=tags)
    net = ScanNet(seed=seed)
    return net, train(net, scans, epochs=epochs, seed=seed, progress=progress)


@torch.no_grad()
def predict(net, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Predicted class of each scan, (N,). ``net`` is a ScanNet or a CourseModel."""
    module = _module_of(net)
    images = contract.image_batch(images)
    batch_size = contract.whole_number(batch_size, "batch_size", 1)
    was_training = module.training
    module.eval()
    try:
        return torch.cat([module(images[i:i + batch_size]).argmax(1)
                          for i in range(0, images.shape[0], batch_size)])
    finally:
        module.train(was_training)


def accuracy(net, scans: Scans) -> float:
    """Share of ``scans`` whose label ``net`` predicts (a ScanNet or a CourseModel)."""
    _check_scans(scans)
    return float((predict(net, scans.images) == scans.labels).float().mean())


def as_course_model(net: nn.Module, name: str = "scan_net"):
    """The trained network as a frozen ``CourseModel`` (64 px input, class names, stages),
    ready for ``render``, ``evaluate`` and ``capture``. Freezes ``net`` itself."""

    contract.instance_of(net, ScanNet, "net", "a trained ScanNet (for other networks call "
                         "course_utils.models.wrap_module yourself)")
    return wrap_module(net, name=name, input_size=IMAGE_SIZE, labels=list(CLASSES),
                       stages=dict(STAGES))
