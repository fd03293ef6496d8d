"""Browse a channel's synthetic image beside its strongest and weakest natural patches.

``ExampleBrowser(model, bank).show()`` gives a stage menu, a channel box and a Show
button; ``run(stage, channel)`` draws the same figure without widgets (scripts, tests,
the course site).
"""
import html
from typing import Dict, Optional

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from .. import contract
from ..errors import CourseError
from ..optim import render
from ..studies.dataset_examples import BankActivations, bank_activations, bottom_examples, top_examples
from ..studies.image_bank import ImageBank
from .plotting import as_hwc


class ExampleBrowser:
    """Synthetic image + top 9 + bottom 9 patches of one channel of a stage."""

    def __init__(self, model, bank: ImageBank, steps: int = 64, size: int = 96, k: int = 9):
        self.model = contract.course_model(model)
        self.bank = contract.instance_of(bank, ImageBank, "bank", "build_bank(model.input_size)")
        self.steps, self.size = contract.step_count(steps), contract.side(size)
        self.k = contract.whole_number(k, "k", 1, 64, fix="9 patches per row are typical.")
        self.activations: Dict[str, BankActivations] = {}  # computed once per stage
        self.shown: Optional[tuple] = None

    def _acts(self, stage: str) -> BankActivations:
        if stage not in self.activations:
            self.activations[stage] = bank_activations(self.model, self.bank, stage)
        return self.activations[stage]

    def run(self, stage: str = "mid", channel: int = 0):
        """Draw the figure for ``channel`` of ``stage``; returns it."""
        contract.one_of(stage, "stage", list(self.model.stages))
        self.model.check_channel(stage, channel)
        acts = self._acts(stage)
        synthetic = render(self.model, f"{stage}:{channel}", size=self.size, steps=self.steps).images[0]
        top = top_examples(self.model, self.bank, stage, channel, self.k, acts=acts)
        bottom = bottom_examples(self.model, self.bank, stage, channel, self.k, acts=acts)
        fig, axes = plt.subplots(2, self.k + 1, figsize=(1.5 * (self.k + 1), 3.6), squeeze=False)
        rows = [("highest", top), ("lowest", bottom)]
        for r, (label, examples) in enumerate(rows):
            first = axes[r][0]
            first.axis("off")
            if r == 0:
                first.imshow(as_hwc(synthetic))
                first.set_title("synthetic", fontsize=8)
            for c in range(self.k):
                ax = axes[r][c + 1]
                ax.axis("off")
                if c < len(examples):
                    ax.imshow(as_hwc(examples.images[c]))
                    ax.set_title(f"{examples.activations[c]:.1f}", fontsize=7)
            axes[r][1].text(-0.1, 0.5, label, transform=axes[r][1].transAxes, rotation=90,
                            ha="right", va="center", fontsize=8)
        fig.suptitle(f"{self.model.resolve(stage)} ({stage}), channel {channel}: the synthetic "
                     f"image, its {self.k} strongest and {self.k} weakest bank patches",
                     fontsize=9)
        fig.tight_layout()
        self.shown = (stage, int(channel))
        return fig

    def show(self):
        """Stage menu, channel box and Show button, with the figure underneath."""
        stage = widgets.Dropdown(options=list(self.model.stages), value="mid", description="stage")
        channel = widgets.BoundedIntText(value=0, min=0, max=self.model.channels("mid") - 1,
                                         description="channel")
        button = widgets.Button(description="Show", button_style="primary")
        status = widgets.HTML()
        out = widgets.Output()

        def on_stage(change):
            channel.max = self.model.channels(change["new"]) - 1

        def on_click(_):
            for control in (stage, channel, button):
                control.disabled = True
            status.value = html.escape(f"Working on channel {channel.value} of {stage.value}…")
            try:
                with out:
                    out.clear_output(wait=True)
                    self.run(stage.value, int(channel.value))
                    plt.show()
                status.value = html.escape(f"Showing {stage.value}, channel {channel.value}.")
            except CourseError as exc:
                status.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            finally:
                for control in (stage, channel, button):
                    control.disabled = False

        stage.observe(on_stage, names="value")
        button.on_click(on_click)
        box = widgets.VBox([widgets.HBox([stage, channel, button]), status, out])
        display(box)
        return box


__all__ = ["ExampleBrowser"]
