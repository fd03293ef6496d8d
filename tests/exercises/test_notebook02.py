"""Notebook 02's checkers (the forward hook that records a layer and one step of
gradient ascent) accept the reference, hand it back for an unsolved exercise, and name
each plausible mistake."""
import torch

from checker_cases import checker_tests
from course_utils.exercises import notebook02


def detaching_hook(store):
    def hook(module, inputs, output):
        store["act"] = output.detach()
    return hook


def rebinding_hook(store):
    def hook(module, inputs, output):
        store = {"act": output}  # noqa: F841 — a new local dict, the caller's stays empty
    return hook


def step_downhill(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    activation = activation_of(pixels)
    activation.backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation.item()


def step_without_zero_grad(pixels, optimizer, activation_of):
    activation = activation_of(pixels)
    (-activation).backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation.item()


def step_returns_the_next_activation(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    (-activation_of(pixels)).backward()
    optimizer.step()
    with torch.no_grad():
        pixels.clamp_(0, 1)
    return activation_of(pixels).item()


def input_hook(store):
    def hook(module, inputs, output):
        store["act"] = inputs[0]
    return hook


def step_without_clamp(pixels, optimizer, activation_of):
    optimizer.zero_grad()
    activation = activation_of(pixels)
    (-activation).backward()
    optimizer.step()
    return activation.item()


CASES = [  # checker, reference, [(wrong version, words the message must contain)]
    (notebook02.check_record_output, notebook02.record_output,
     [(detaching_hook, "detached"), (rebinding_hook, 'store["act"] is missing'),
      (input_hook, "*input*")]),
    (notebook02.check_ascent_step, notebook02.ascent_step,
     [(step_downhill, "goes *down*"), (step_without_zero_grad, "zero_grad"),
      (step_without_clamp, "clamp"), (step_returns_the_next_activation, "one step ahead")]),
]


globals().update(checker_tests(CASES))
