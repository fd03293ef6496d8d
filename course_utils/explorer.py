"""A small widget to pick a stage/layer and a channel and render it."""
from typing import Optional

import matplotlib.pyplot as plt

from . import contract
from .optim import render


class Explorer:
    """Dropdown (stage or layer) + channel slider + Render button.

    Call ``show()`` in a notebook. ``run(layer, channel)`` renders without any widget
    front end, so the same code works in a script or in CI.

    model: a course model. steps: 1 to 100 000. size: 8 to 4096 pixels.
    seed: None or a whole number >= 0.
    """

    def __init__(self, model, steps: int = 128, size: int = 96, seed: int = 0):
        self.model = contract.course_model(model)
        self.steps, self.size = contract.step_count(steps), contract.side(size)
        self.seed = contract.optional_seed(seed)
        self.last = None

    def choices(self):
        """Stages first, then the layers a learner would pick (``model.main_layers``)."""
        stages = [(f"{s} ({n})", s) for s, n in self.model.stages.items()]
        layers = [(f"{n} [{self.model.layers[n]} ch]", n) for n in self.model.main_layers]
        return stages + layers

    def run(self, layer: str = "mid", channel: int = 0, show: bool = True):
        """Render one channel; returns the ``RenderResult``.

        layer: a stage or layer name. channel: 0 to ``model.channels(layer) - 1``.
        show: True (draw it) or False.
        """
        self.model.check_channel(layer, channel)
        show = contract.boolean(show, "show")
        self.last = render(self.model, f"{layer}:{int(channel)}", size=self.size,
                           steps=self.steps, seed=self.seed, progress=False)
        if show:
            fig, ax = plt.subplots(figsize=(3, 3.3))
            ax.imshow(self.last.numpy()[0])
            ax.set_title(f"{self.model.resolve(layer)} ch {channel}\n"
                         f"activation {self.last.activation[0]:.2f}", fontsize=9)
            ax.axis("off")
            plt.show()
        return self.last

    def show(self):
        """Build and display the widgets."""
        import ipywidgets as w
        from IPython.display import display

        layer = w.Dropdown(options=self.choices(), value="mid", description="layer")
        channel = w.BoundedIntText(value=0, min=0, max=self.model.channels("mid") - 1,
                                   description="channel")
        button = w.Button(description="Render", button_style="primary")
        out = w.Output()

        def on_layer(change):
            channel.max = self.model.channels(change["new"]) - 1

        def on_click(_):
            with out:
                out.clear_output(wait=True)
                self.run(layer.value, int(channel.value))

        layer.observe(on_layer, names="value")
        button.on_click(on_click)
        box = w.VBox([w.HBox([layer, channel, button]), out])
        display(box)
        return box
