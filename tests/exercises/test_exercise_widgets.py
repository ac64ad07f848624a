"""The widgets, driven like a learner would: set values, click buttons, read the feedback area."""

from __future__ import annotations

import html
import json

import ipywidgets as w
import pytest

import labkit as lk

NON_LAB = [i for i in lk.exercises.ids() if not lk.exercises.get(i).uses_lab]


def view_of(exercise_id):
    ex = lk.exercises.get(exercise_id)
    box = ex.widget()
    assert isinstance(box, w.VBox)
    return ex, box.view


@pytest.mark.parametrize("exercise_id", NON_LAB)
def test_solution_typed_into_the_widget_is_correct(exercise_id):
    ex, view = view_of(exercise_id)
    view.set_values(ex.values_from(ex.solution))
    view.check_button.click()
    assert "✔ Correct" in view.feedback.value
    assert view.last_feedback.correct


@pytest.mark.parametrize("exercise_id", NON_LAB)
def test_empty_widget_check_says_what_to_do(exercise_id):
    _, view = view_of(exercise_id)
    for holder in view.inputs.values():
        if isinstance(holder, w.Textarea):
            holder.value = ""
    view.check_button.click()
    assert "✘ Not yet" in view.feedback.value
    assert not view.last_feedback.correct


def test_policy_widget_reports_the_pitfall():
    ex, view = view_of("conditions/allow-only-approved-subnets")
    textarea = view.inputs["policy"]
    assert isinstance(textarea, w.Textarea) and '"Statement"' in textarea.value  # a starter is there
    textarea.value = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "lambda:CreateFunction",
                    "Resource": "*",
                    "Condition": {"ForAllValues:StringEquals": {"lambda:SubnetIds": ex.params["subnet_ids"]}},
                }
            ],
        }
    )
    view.check_button.click()
    assert "slips through" in view.feedback.value
    assert "CreateFunction without VPC settings" in view.feedback.value


def test_bad_json_in_the_widget_is_a_message_not_an_exception():
    _, view = view_of("conditions/require-vpc")
    view.inputs["policy"].value = '{"Statement": [ {"Effect": "Deny",, } ]}'
    view.check_button.click()
    assert "not valid JSON" in view.feedback.value and "line 1" in view.feedback.value


def test_checkboxes_drive_a_selection_exercise():
    _, view = view_of("permissions/execution-role")
    selection = view.inputs["selection"]
    for box in selection.boxes:
        box.value = box.description in ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces")
    view.check_button.click()
    # the first checks name what is wrong without the answer; the third shows it
    assert "1 needed permission is missing" in view.feedback.value
    assert "ec2:DeleteNetworkInterface" not in view.feedback.value
    view.check_button.click()
    assert "ec2:DeleteNetworkInterface" not in view.feedback.value
    view.check_button.click()
    assert "Missing: ec2:DeleteNetworkInterface" in view.feedback.value
    for box in selection.boxes:
        if box.description == "ec2:DeleteNetworkInterface":
            box.value = True
    view.check_button.click()
    assert "✔ Correct" in view.feedback.value


def test_dropdowns_drive_a_quiz():
    ex, view = view_of("reachability/predict")
    view.inputs["a"].value = "NO_PUBLIC_IP"
    view.check_button.click()
    assert "1 of 6 right" in view.feedback.value and "Unanswered: b, c, d, e, f" in view.feedback.value


def test_hint_button_shows_the_next_hint_each_click():
    ex, view = view_of("conditions/require-vpc")
    view.hint_button.click()
    assert "Hint 1/" in view.hint_area.value and "Hint 2/" not in view.hint_area.value
    view.hint_button.click()
    assert "Hint 2/" in view.hint_area.value
    assert lk.exercises.progress_store().entry(ex.id)["hints"] == 2


def test_reset_clears_inputs_feedback_and_hints():
    _, view = view_of("permissions/user")
    view.inputs["selection"].value = ("lambda:CreateFunction",)
    view.check_button.click()
    view.hint_button.click()
    view.reset_button.click()
    assert view.inputs["selection"].value == ()
    assert view.feedback.value == "" and view.hint_area.value == ""
    view.hint_button.click()
    assert "Hint 1/" in view.hint_area.value


def test_show_solution_is_hidden_for_learners_and_works_for_instructors():
    ex, view = view_of("conditions/require-vpc")
    assert view.solution_button.layout.display == "none"
    view.solution_button.click()  # even if clicked programmatically, no solution
    assert "EnforceVPCFunction" not in view.extra_area.value and "instructor mode" in view.extra_area.value
    lk.instructor(True)
    view.hint_button.click()  # any click refreshes the mode
    assert view.solution_button.layout.display != "none"
    view.solution_button.click()
    assert "EnforceVPCFunction" in view.extra_area.value
    assert "EnforceVPCFunction" in view.inputs["policy"].value  # the inputs are filled too
    view.check_button.click()
    assert "✔ Correct" in view.feedback.value


def test_instructor_mode_from_the_environment_shows_the_button(monkeypatch):
    monkeypatch.setenv("LABKIT_INSTRUCTOR", "1")
    _, view = view_of("permissions/user")
    assert view.solution_button.layout.display != "none"


def test_each_check_is_recorded():
    ex, view = view_of("states/what-fails")
    view.check_button.click()
    view.set_values(ex.values_from(ex.solution))
    view.check_button.click()
    entry = lk.exercises.progress_store().entry(ex.id)
    assert entry["attempts"] == 2 and entry["correct"] == 1


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


@pytest.mark.parametrize("exercise_id", NON_LAB)
def test_no_question_hides_its_menu_behind_a_long_label(exercise_id):
    """A widget's description never wraps: a long question beside its menu pushes the menu off screen.
    Every question longer than a line is shown as wrapping text above a menu without a description."""
    ex, view = view_of(exercise_id)
    for f in ex.fields():
        if f.kind != "choice":
            continue
        menu = view.inputs[f.name]
        if len(f.label) > 60:
            assert menu.description == "", f"{f.name}: a long question in the menu's description"
            texts = [x.value for x in _descendants(view.box) if isinstance(x, w.HTML)]
            assert any(html.escape(f.label) in t and "white-space:normal" in t for t in texts), f.name
        else:
            assert menu.description == f.label


def test_a_glossary_parameter_shows_as_a_table_of_code_and_meaning():
    ex = lk.exercises.get("reachability/predict")
    shown = ex._repr_html_()
    assert "<code>NO_PUBLIC_IP</code></td>" in shown
    assert '"NO_PUBLIC_IP": "' not in shown  # not a JSON blob
