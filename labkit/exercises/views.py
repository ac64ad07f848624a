"""ipywidgets views. They hold no logic: a click calls the exercise (``check``, ``hint``, ``reset``,
``show_solution``) and shows what it returns.

``ExerciseView(exercise).box`` is the widget; ``box.view`` is the view, whose parts tests can drive:
``inputs`` (name → widget), ``check_button``, ``hint_button``, ``reset_button``, ``solution_button``,
``feedback`` (an HTML widget), ``hint_area``, ``extra_area``, ``last_feedback``.
"""

from __future__ import annotations

import html
import json

import ipywidgets as w

from labkit.exercises.core import Exercise, Field
from labkit.exercises.feedback import Feedback
from labkit.exercises.mode import is_instructor
from labkit.render import palette


class _MultiSelect:
    """Check boxes, one per option; ``value`` is the tuple of ticked option values."""

    def __init__(self, f: Field):
        self.boxes = [
            w.Checkbox(value=False, description=label, indent=False, layout=w.Layout(width="auto"))
            for label, _ in f.options
        ]
        self.values = [v for _, v in f.options]
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(f.label)}</b>")] + self.boxes)

    @property
    def value(self):
        return tuple(v for v, b in zip(self.values, self.boxes, strict=False) if b.value)

    @value.setter
    def value(self, selected) -> None:
        selected = set(selected or ())
        for v, b in zip(self.values, self.boxes, strict=False):
            b.value = v in selected


#: A question this long (characters) goes above its menu instead of beside it.
SHORT_LABEL = 60


def _make_input(f: Field):
    """(the widget to show, an object with a settable ``value``)."""
    if f.kind == "multi":
        m = _MultiSelect(f)
        return m.widget, m
    style = {"description_width": "initial"}
    if f.kind == "choice":
        value = f.default if f.default is not None else f.options[0][1]
        if len(f.label) <= SHORT_LABEL:
            d = w.Dropdown(
                options=list(f.options),
                value=value,
                description=f.label,
                style=style,
                layout=w.Layout(width="auto", max_width="48em"),
            )
            return d, d
        # a long question (a scenario to read) wraps above its menu: a widget's description never wraps,
        # so it would push the menu off the right edge of the notebook
        d = w.Dropdown(
            options=list(f.options),
            value=value,
            layout=w.Layout(width="auto", max_width="32em", margin="0 0 0.8em 1.5em"),
        )
        label = w.HTML(f'<div style="white-space:normal;line-height:1.4">{html.escape(f.label)}</div>')
        return w.VBox([label, d], layout=w.Layout(width="100%")), d
    if f.kind == "text":
        t = w.Text(
            value=f.default or "",
            description=f.label,
            placeholder=f.placeholder,
            style=style,
            layout=w.Layout(width="100%"),
        )
        return t, t
    t = w.Textarea(value=f.default or "", placeholder=f.placeholder, layout=w.Layout(width="100%", height="16em"))
    return w.VBox([w.HTML(f"<b>{html.escape(f.label)}</b>"), t]), t


class ExerciseView:
    def __init__(self, exercise: Exercise):
        self.exercise = exercise
        prepare = getattr(exercise, "prepare", None)
        if prepare is not None:
            prepare()
        self.fields = exercise.fields()
        self.inputs = {}
        shown = []
        for f in self.fields:
            widget, holder = _make_input(f)
            self.inputs[f.name] = holder
            shown.append(widget)
        self.header = w.HTML(exercise._repr_html_())
        self.check_button = w.Button(description="Check", button_style="primary", icon="check")
        self.hint_button = w.Button(description="Hint", icon="lightbulb-o")
        self.reset_button = w.Button(description="Reset", icon="undo")
        self.solution_button = w.Button(description="Show solution", button_style="warning", icon="eye")
        self.extra_buttons = []
        for label, method in getattr(exercise, "extra_actions", lambda: ())():
            b = w.Button(description=label)
            b.on_click(lambda _b, m=method: self._extra(m))
            self.extra_buttons.append(b)
        self.hint_area = w.HTML("")
        self.extra_area = w.HTML("")
        self.feedback = w.HTML("")
        self.last_feedback: Feedback | None = None
        self.check_button.on_click(lambda _b: self.on_check())
        self.hint_button.on_click(lambda _b: self.on_hint())
        self.reset_button.on_click(lambda _b: self.on_reset())
        self.solution_button.on_click(lambda _b: self.on_solution())
        self._sync_mode()
        buttons = w.HBox(
            [self.check_button, self.hint_button, self.reset_button, self.solution_button] + self.extra_buttons
        )
        self.box = w.VBox([self.header, *shown, buttons, self.hint_area, self.extra_area, self.feedback])
        self.box.view = self
        self.box.add_class("labkit-exercise-widget")

    # ------------------------------------------------------------------------------- callbacks

    def values(self) -> dict:
        return {name: holder.value for name, holder in self.inputs.items()}

    def on_check(self) -> Feedback:
        self._sync_mode()
        self.feedback.value = "<i>Checking…</i>"
        fb = self.exercise.check(self.exercise.answer_from(self.values()))
        self.last_feedback = fb
        self.feedback.value = fb._repr_html_()
        return fb

    def on_hint(self) -> None:
        self._sync_mode()
        text = self.exercise.hint()
        self.hint_area.value += f'<p style="color:{palette.AMBER}">💡 {html.escape(text)}</p>'

    def on_reset(self) -> None:
        self._sync_mode()
        self.exercise.reset()
        for f in self.fields:
            holder = self.inputs[f.name]
            if f.kind == "multi":
                holder.value = f.default or ()
            elif f.kind == "choice":
                holder.value = f.default if f.default is not None else f.options[0][1]
            else:
                holder.value = f.default or ""
        self.hint_area.value = ""
        self.extra_area.value = ""
        self.feedback.value = ""
        self.last_feedback = None

    def on_solution(self) -> None:
        """In instructor mode: fill the inputs with the reference answer and show it with its explanation."""
        self._sync_mode()
        text = self.exercise.show_solution()
        self.extra_area.value = f"<pre>{html.escape(text)}</pre>"
        if is_instructor():
            self.set_values(self.exercise.values_from(self.exercise.solution))

    def set_values(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.inputs:
                self.inputs[name].value = value

    def _extra(self, method: str) -> None:
        """An exercise action (Start lab, Show network…): show what it returns, or why it failed."""
        from labkit.errors import LabkitError

        self.extra_area.value = "<i>Working…</i>"
        try:
            result = getattr(self.exercise, method)()
            if hasattr(result, "_repr_html_"):
                shown = result._repr_html_()
            elif hasattr(result, "figure_html"):  # a picture: an SVG figure with its text alternative
                shown = result.figure_html()
            elif hasattr(result, "pipe"):  # another graphviz picture: SVG (needs graphviz's dot)
                shown = result.pipe(format="svg", encoding="utf-8")
            else:
                shown = f"<pre>{html.escape(str(result))}</pre>"
        except LabkitError as e:
            shown = f'<p style="color:{palette.RED}">{html.escape(str(e))}</p>'
        self.header.value = self.exercise._repr_html_()  # the scenario may have changed (a started lab)
        self.extra_area.value = shown

    def _sync_mode(self) -> None:
        self.solution_button.layout.display = None if is_instructor() else "none"


# ------------------------------------------------------------------------------------ progress


def progress_widget(store, entries):
    """A per-topic progress view of ``store`` for the catalog ``entries``, with Refresh, a Download link for
    the log and an upload box to load a downloaded log back (merged: nothing counted twice)."""
    import base64

    from labkit.exercises.store import import_text

    body = w.VBox()
    download = w.HTML("")
    message = w.HTML("")

    def render() -> None:
        summary = store.summary(entries)
        rows = [w.HTML("<b>Exercises solved, per topic</b>")]
        for topic, s in summary.items():
            bar = w.IntProgress(
                value=s["solved"],
                min=0,
                max=max(s["total"], 1),
                description=topic,
                style={"description_width": "8em"},
                bar_style="success" if s["solved"] == s["total"] else "",
            )
            attempts = sum(e["attempts"] for e in s["exercises"].values())
            label = w.Label(f"{s['solved']}/{s['total']} solved · {s['attempted']} tried · {attempts} checks")
            items = "".join(
                f"<li>{'✔' if e['solved'] else ('…' if e['attempts'] else '○')} <code>{html.escape(i)}</code>"
                f" — {e['attempts']} checks, {e['hints']} hints</li>"
                for i, e in s["exercises"].items()
            )
            rows.append(w.HBox([bar, label]))
            rows.append(w.HTML(f"<ul style='margin:0 0 0 2em'>{items}</ul>"))
        rows.append(w.HTML(f"<small>Saved in {html.escape(str(store.path))}</small>"))
        body.children = rows
        log = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in store.events())
        data = base64.b64encode(log.encode("utf-8")).decode("ascii")
        download.value = (
            f'<a download="labkit-events.jsonl" href="data:application/x-ndjson;base64,{data}">'
            f"⬇ Download my progress log</a>"
        )

    def on_upload(change) -> None:
        files = change["new"] or ()
        added = 0
        try:
            for f in files:
                added += import_text(bytes(f["content"]).decode("utf-8", errors="replace"))
        except ValueError as e:
            message.value = f'<span style="color:#cf222e">{html.escape(str(e))}</span>'
            return
        message.value = f"Loaded: {added} new event(s) added to your progress log."
        render()

    refresh = w.Button(description="Refresh", icon="refresh")
    refresh.on_click(lambda _b: render())
    upload = w.FileUpload(accept=".jsonl,.json", multiple=False, description="Load a log")
    upload.observe(on_upload, names="value")
    render()
    box = w.VBox([body, w.HBox([refresh, download, upload]), message])
    box.refresh = render
    box.refresh_button = refresh
    box.download_link = download
    box.upload = upload
    box.message = message
    box.add_class("labkit-progress")
    return box
