"""A small widget to pick a stage or layer and a channel, and render it.

The layer list holds the model's stages and the layers a learner would pick
(``model.main_layers``: blocks, not their padding or normalization modules), each with
its concrete name and channel count. The picture always says which settings made it; while a render runs, the
controls are locked, and changing them afterwards marks the picture as out of date.
"""
import io
import time
from typing import List, Optional, Tuple

import matplotlib.pyplot as plt
from matplotlib.image import imsave

from .. import contract
from ..errors import CourseError
from ..optim import render
from .plotting import as_hwc

def png_bytes(image) -> bytes:
    """A (3, H, W) or (H, W, 3) image in [0, 1] → PNG bytes."""
    buffer = io.BytesIO()
    imsave(buffer, as_hwc(image), format="png")
    return buffer.getvalue()


class Explorer:
    """Dropdown (stage or layer) + channel box + Render button, the picture under them.

    Call ``show()`` in a notebook. ``run(layer, channel)`` renders without any widget
    front end, so the same code works in a script, in a test or on the course site.

    model: a course model. steps: 1 to 100 000. size: 8 to 4096 pixels.
    seed: None or a whole number >= 0.
    """

    def __init__(self, model, steps: int = 128, size: int = 96, seed: int = 0):
        self.model = contract.course_model(model)
        self.steps, self.size = contract.step_count(steps), contract.side(size)
        self.seed = contract.optional_seed(seed)
        self.last = None  # the last RenderResult
        self.shown: Optional[Tuple[str, int]] = None  # (layer, channel) of ``last``
        self.pictured: Optional[Tuple[str, int]] = None  # ... of the widget's picture
        self.seconds = 0.0
        self.last_error: Optional[BaseException] = None
        self.busy = False
        self.widgets = {}

    # --- what can be picked ---------------------------------------------------------
    def choices(self) -> List[Tuple[str, str]]:
        """(label, value) pairs: the stages first, then the learner's layers."""
        stages = [(f"{stage} stage: {name} ({self.model.layers[name]} channels)", stage)
                  for stage, name in self.model.stages.items()]
        layers = [(f"{name} ({self.model.layers[name]} channels)", name)
                  for name in self.model.main_layers]
        return stages + layers

    def describe(self, layer: str, channel: int) -> str:
        """One line naming what a picture shows: layer (stage), channel, settings."""
        name = self.model.resolve(layer)
        stage = f" ({layer} stage)" if layer in self.model.stages else ""
        return (f"{name}{stage}, channel {channel} of {self.model.layers[name]}; "
                f"{self.steps} steps, {self.size} px, seed {self.seed}")

    # --- rendering ------------------------------------------------------------------
    def _check_choice(self, layer: str, channel: int) -> None:
        allowed = [value for _, value in self.choices()]
        if layer not in allowed and self.model.resolve(layer) not in allowed:
            raise CourseError(f"Layer {layer!r} is not one the explorer offers. Pick a stage "
                              f"({', '.join(self.model.stages)}) or one of: "
                              f"{', '.join(self.model.main_layers)}.")
        self.model.check_channel(layer, channel)

    def run(self, layer: str = "mid", channel: int = 0, show: bool = True):
        """Render one channel; returns the ``RenderResult``. ``show`` draws it with its
        settings written under it."""
        show = contract.boolean(show, "show")
        result = self._render(layer, channel)
        if show:
            fig, ax = plt.subplots(figsize=(3.2, 3.6))
            ax.imshow(as_hwc(result.images[0]))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{self.model.resolve(layer)}, channel {channel}", fontsize=10)
            ax.set_xlabel(f"activation {float(result.score[0]):.2f}\n"
                          f"{self.steps} steps, {self.size} px", fontsize=9)
            plt.show()
        return result

    def _render(self, layer: str, channel: int):
        self._check_choice(layer, channel)
        started = time.perf_counter()
        result = render(self.model, f"{layer}:{channel}", size=self.size, steps=self.steps,
                        seed=self.seed)
        self.last, self.shown = result, (layer, int(channel))
        self.seconds = time.perf_counter() - started
        return result

    def caption(self) -> str:
        """The text under the picture: its settings and the activation it reached."""
        if self.last is None:
            return "No picture yet: pick a layer and a channel, then press Render."
        return (f"{self.describe(*self.shown)}. Activation {float(self.last.score[0]):.2f}"
                f" after {self.seconds:.1f} s.")

    # --- the widget -----------------------------------------------------------------
    def show(self):
        """Build and display the widgets; returns the outer box."""
        import ipywidgets as w
        from IPython.display import display

        first = "mid" if "mid" in self.model.stages else self.choices()[0][1]
        layer = w.Dropdown(options=self.choices(), value=first, description="layer",
                           layout=w.Layout(width="26em"))
        channel = w.BoundedIntText(value=0, min=0, max=self.model.channels(first) - 1,
                                   description="channel", layout=w.Layout(width="11em"))
        channel_range = w.HTML(self._range_text(first))
        button = w.Button(description="Render", button_style="primary", icon="paint-brush")
        status = w.HTML(self._status("Pick a layer and a channel, then press Render."))
        picture = w.Image(format="png", width=256, height=256,
                          layout=w.Layout(width="256px", height="256px",
                                          border="1px solid #ccc"))
        caption = w.HTML(self._caption_html())
        self.widgets = dict(layer=layer, channel=channel, button=button, status=status,
                            picture=picture, caption=caption, channel_range=channel_range)
        for name, widget in self.widgets.items():  # stable hooks for styling and tests
            widget.add_class(f"course-explorer-{name.replace('_', '-')}")

        def on_layer(change):
            channel.max = self.model.channels(change["new"]) - 1
            channel_range.value = self._range_text(change["new"])
            on_setting(change)

        def on_setting(_):
            if self.busy or self.pictured is None:
                return
            if (layer.value, int(channel.value)) == self.pictured:
                status.value = self._status("The picture shows these settings.")
                button.button_style = "primary"
            else:
                status.value = self._status(
                    f"Settings changed to {self.describe(layer.value, int(channel.value))}; "
                    f"the picture still shows {self.describe(*self.pictured)}. Press Render "
                    "to update it.", "#8a5a00")
                button.button_style = "warning"

        layer.observe(on_layer, names="value")
        channel.observe(on_setting, names="value")
        button.on_click(lambda _: self.render_now())
        box = w.VBox([w.HBox([layer, channel, channel_range, button]), status, picture,
                      caption])
        display(box)
        return box

    def render_now(self) -> bool:
        """What the Render button does: lock the controls, render the settings shown,
        put the picture and its caption up together; a failure leaves the last picture
        and says what went wrong. Returns True when a new picture is shown."""
        wd = self.widgets
        if self.busy:
            return False
        self.busy = True
        layer, channel = wd["layer"].value, int(wd["channel"].value)
        controls = [wd["layer"], wd["channel"], wd["button"]]
        for control in controls:
            control.disabled = True
        wd["status"].value = self._status(
            f"Rendering {self.describe(layer, channel)}…")
        try:
            result = self._render(layer, channel)
            wd["picture"].value = png_bytes(result.images[0])
            wd["caption"].value = self._caption_html()
            self.pictured = (layer, channel)
            wd["status"].value = self._status("The picture shows these settings.")
            wd["button"].button_style = "primary"
            self.last_error = None
            return True
        except Exception as exc:  # shown to the learner; the kernel keeps running
            self.last_error = exc
            if isinstance(exc, CourseError):
                text = f"Could not render: {exc}"
            else:
                text = (f"The render failed ({type(exc).__name__}: {exc}). The picture is "
                        "unchanged. Try another layer or channel; if it keeps failing, "
                        "restart the kernel and run the notebook again.")
            wd["status"].value = self._status(text, "#b00020")
            return False
        finally:
            for control in controls:
                control.disabled = False
            self.busy = False

    def _range_text(self, layer: str) -> str:
        return f"<span style='color:#555'>0 to {self.model.channels(layer) - 1}</span>"

    def _caption_html(self) -> str:
        import html

        return f"<div style='max-width:40em'>{html.escape(self.caption())}</div>"

    @staticmethod
    def _status(text: str, colour: str = "#333") -> str:
        import html

        return f"<span style='color:{colour}'>{html.escape(text)}</span>"

