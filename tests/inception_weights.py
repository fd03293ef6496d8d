"""A weights file with InceptionV1's shapes, for runs on its code path with no network."""
import torch


def write_weights(path) -> dict:
    """A state dict with InceptionV1's shapes (random, so it is not the default init)."""
    from lucent.modelzoo import inceptionv1

    torch.manual_seed(1)
    state = inceptionv1(pretrained=False).state_dict()
    state = {k: v + 0.01 * torch.randn_like(v) for k, v in state.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state
