"""Check cells a learner can read: one line per expectation, with the numbers behind it.

>>> expect(after > 3 * before, "the optimizer raised the activation well above its start",
...        f"{before:.1f} → {after:.1f}")
✓ the optimizer raised the activation well above its start (2.1 → 31.5)

A failed expectation stops the notebook with what was expected and what was measured.
Some results only hold for a *trained* network (a random-weight network has no cats to
find): ``expect(..., needs_training=model)`` skips those, visibly, when the model does not
recognise the sample photos.
"""
import weakref
from typing import Dict, Tuple

import torch

from ..images import photo

# What a trained ImageNet classifier should name among its top 5 for each sample photo.
SENSIBLE = {
    "chelsea": {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"},
    "coffee": {"espresso", "cup", "coffee mug", "espresso maker"},
    "rocket": {"missile", "projectile", "space shuttle"},
    "grace_hopper": {"military uniform", "suit", "Windsor tie", "bow tie", "mortarboard",
                     "academic gown"},
}

_RECOGNITION: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class CheckFailed(AssertionError):
    """A result the notebook measured is not what the course expects."""


def expect(condition, what: str, measured: str = "", needs_training=None) -> bool:
    """Print ``✓ what (measured)`` when ``condition`` holds; raise ``CheckFailed`` otherwise.

    needs_training: a model; when it does not recognise the sample photos (random
    weights), the check is skipped with a printed reason instead.
    """
    detail = f" ({measured})" if measured else ""
    if needs_training is not None and not recognises_photos(needs_training)[0]:
        print(f"– skipped, needs a trained network: {what}{detail}")
        return False
    if not bool(condition):
        raise CheckFailed(f"Expected {what}, but measured {measured or 'otherwise'}.")
    print(f"✓ {what}{detail}")
    return True


@torch.no_grad()
def recognises_photos(model) -> Tuple[bool, Dict[str, list]]:
    """Whether ``model`` names a sensible class among its top 5 for at least three of the
    four sample photos (a cat, coffee, a rocket, a person in uniform), and the top 5s."""
    cached = _RECOGNITION.get(model.module)
    if cached is None:
        names = list(SENSIBLE)
        images = torch.stack([photo(n, model.input_size) for n in names])
        top5 = {n: [label for label, _ in row] for n, row in zip(names, model.predict(images, 5))}
        hits = sum(bool(SENSIBLE[n] & set(top5[n])) for n in names)
        cached = (hits >= 3, top5)
        _RECOGNITION[model.module] = cached
    return cached


def describe_training(model) -> str:
    """One sentence: does this model behave like a trained classifier on the photos?"""
    ok, top5 = recognises_photos(model)
    if ok:
        return f"{model.name} recognises the sample photos: its checks run in full."
    return (f"{model.name} does not recognise the sample photos (random or damaged weights?): "
            "checks that need a trained network will be skipped, with a note.")
