"""Notebook 02's exercises: the forward hook that records a layer, and one step of
gradient ascent on raw pixels."""
from typing import Callable

import torch
from torch import nn

from .judging import ExerciseMistake, judge, same


# --- reference solutions --------------------------------------------------------------

def record_output(store: dict) -> Callable:
    """A forward hook that saves the layer's output in ``store["act"]``."""
    def hook(module, inputs, output):
        store["act"] = output
    return hook


def ascent_step(pixels: torch.Tensor, optimizer, activation_of: Callable) -> float:
    """One step uphill: the activation's gradient moves the pixels, then they are clamped
    to [0, 1]. Returns the activation before the step."""
    optimizer.zero_grad()
    activation = activation_of(pixels)
    (-activation).backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation.item()


# --- checkers ---------------------------------------------------------------------------

def _small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 5, 3, padding=1))


def check_record_output(record_output_fn: Callable) -> Callable:
    """Attach the learner's hook to a layer and compare what it stores with the output."""
    def tests(fn):
        net = _small_net()
        store = {}
        hook = fn(store)
        if not callable(hook):
            raise ExerciseMistake("record_output(store) should *return* the hook function "
                                  f"(a def inside it), got {type(hook).__name__}.")
        handle = net[0].register_forward_hook(hook)
        try:
            x = torch.rand(2, 3, 8, 8, requires_grad=True)
            out = net(x)
        finally:
            handle.remove()
        if "act" not in store:
            raise ExerciseMistake('the hook ran but store["act"] is missing — assign into the '
                                  'dict (store["act"] = ...) rather than to a new name.')
        expected = net[0](x)
        got = store["act"]
        if isinstance(got, (tuple, list)) or (isinstance(got, torch.Tensor)
                                               and got.shape == x.shape and torch.equal(got, x)):
            raise ExerciseMistake('store["act"] holds the layer\'s *input*: save the hook\'s '
                                  'third argument, output.')
        same(got, expected, 'store["act"]')
        if not store["act"].requires_grad:
            raise ExerciseMistake('store["act"] was detached from the graph (.detach() or '
                                  'torch.no_grad()): gradient ascent needs its gradient.')
        same(out, net(x), "the network's output with your hook attached")
        return "it stores the layer's output, with its gradient"

    return judge("record_output", record_output_fn, record_output, tests)


def check_ascent_step(ascent_step_fn: Callable) -> Callable:
    """Run five steps of the learner's ascent next to the reference, from the same start."""
    def trajectory(fn):
        net = _small_net()
        torch.manual_seed(1)
        pixels = (torch.rand(1, 3, 8, 8) * 0.2 + 0.4).requires_grad_(True)
        optimizer = torch.optim.Adam([pixels], lr=0.1)
        scores = [fn(pixels, optimizer, lambda p: net(p)[0, 2].mean()) for _ in range(5)]
        return scores, pixels.detach().clone(), pixels.grad

    def tests(fn):
        theirs, pixels, grad = trajectory(fn)
        ours, reference_pixels, _ = trajectory(ascent_step)
        if not all(isinstance(s, float) for s in theirs):
            raise ExerciseMistake("ascent_step should return the activation as a Python number "
                                  "(activation.item()), so the notebook can plot it.")
        if theirs[-1] < theirs[0] and ours[-1] > ours[0]:
            raise ExerciseMistake("the activation goes *down*: the optimizer minimizes, so "
                                  "minimize minus the activation.")
        if float(pixels.min()) < 0 or float(pixels.max()) > 1:
            raise ExerciseMistake("the pixels left [0, 1]: clamp them after the step, inside "
                                  "torch.no_grad() (pixels.clamp_(0, 1)).")
        if grad is None:
            raise ExerciseMistake("no gradient reached the pixels: call backward() on the loss.")
        close = dict(atol=1e-4, rtol=1e-3)
        pixels_match = torch.allclose(pixels, reference_pixels, **close)
        if pixels_match and not torch.allclose(torch.tensor(theirs), torch.tensor(ours), **close):
            if torch.allclose(torch.tensor(theirs[:-1]), torch.tensor(ours[1:]), **close):
                raise ExerciseMistake("the pixels are right, but the returned values are one "
                                      "step ahead: return the activation computed *before* "
                                      "optimizer.step().")
            raise ExerciseMistake("the pixels are right, but the returned values are not the "
                                  "activation of each step: return activation.item() of the "
                                  "activation you called backward() on.")
        if not pixels_match:
            try:
                same(pixels, reference_pixels, "the pixels after 5 steps", **close)
            except ExerciseMistake as mistake:
                raise ExerciseMistake(f"{mistake} Did you reset the gradients "
                                      "(optimizer.zero_grad()) before backward()?") from None
        return "5 steps match the reference: the activation rises, pixels stay in [0, 1]"

    return judge("ascent_step", ascent_step_fn, ascent_step, tests)
