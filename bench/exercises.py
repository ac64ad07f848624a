"""Exercise Check latency: the time from a click on the widget's Check button to the feedback on screen.

For every exercise: build its widget, fill in the reference answer, then click Check repeatedly and take
the median and the slowest click — a click grades the answer with labkit's engines, records the check in
a progress file (a temporary one here) and renders the feedback HTML. A wrong answer (the empty inputs)
is timed too. Goal: every click under 100 ms, except for the exercises that run the offline lab ("lab").

For the lab exercises the figures are reported without a goal: ``start_s`` is building the scenario
(``exercise.start()``: deploying a template, creating the function), ``first_check_s`` the first click
(``states/timeline`` runs its whole script in a fresh lab then), and the clicks after it check the started
lab (reading the lab account and tracing it).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

GOAL_MS = 100.0
CLICKS = 15
LAB_CLICKS = 3


def _time_clicks(view, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        view.check_button.click()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _one(lk, entry) -> dict:
    ex = lk.exercises.get(entry.id)
    view = ex.widget().view
    out = {"lab": entry.uses_lab}
    empty = view.values()
    if entry.uses_lab and hasattr(ex, "start"):
        t0 = time.perf_counter()
        ex.start()
        out["start_s"] = round(time.perf_counter() - t0, 2)
    wrong = _time_clicks(view, 1 if entry.uses_lab else 3)
    solution = ex.solution
    if callable(solution):  # a reference fix: apply it to the started lab
        solution(ex.lab, ex.scenario)
    else:
        view.set_values(ex.values_from(solution))
    t0 = time.perf_counter()
    view.check_button.click()
    out["first_check_s"] = round(time.perf_counter() - t0, 3)
    clicks = _time_clicks(view, LAB_CLICKS if entry.uses_lab else CLICKS)
    out["solution_correct"] = bool(view.last_feedback and view.last_feedback.correct)
    view.set_values(empty)
    out.update(
        median_ms=round(statistics.median(clicks), 2),
        max_ms=round(max(clicks), 2),
        wrong_answer_ms=round(statistics.median(wrong), 2),
    )
    out["ok"] = out["solution_correct"] and (entry.uses_lab or out["max_ms"] < GOAL_MS)
    close = getattr(ex, "close", None)
    if close:
        close()
    return out


def run() -> dict:
    saved = os.environ.get("LABKIT_PROGRESS")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LABKIT_PROGRESS"] = os.path.join(tmp, "progress.json")
        try:
            import labkit as lk

            lk.exercises.store.use_default()
            results = {entry.id: _one(lk, entry) for entry in lk.exercises.catalog()}
        finally:
            if saved is None:
                os.environ.pop("LABKIT_PROGRESS", None)
            else:
                os.environ["LABKIT_PROGRESS"] = saved
    print(f"{'exercise':<40} {'median ms':>10} {'max ms':>9} {'wrong ms':>9} {'1st s':>7}  note")
    for eid, r in results.items():
        note = (
            "lab" + (f" (start {r['start_s']} s)" if "start_s" in r else "")
            if r["lab"]
            else ("ok" if r["max_ms"] < GOAL_MS else "SLOW")
        )
        if not r["solution_correct"]:
            note += " WRONG"
        print(
            f"{eid:<40} {r['median_ms']:>10.2f} {r['max_ms']:>9.2f} {r['wrong_answer_ms']:>9.2f} "
            f"{r['first_check_s']:>7.3f}  {note}"
        )
    non_lab = [r for r in results.values() if not r["lab"]]
    ok = all(r["ok"] for r in results.values())
    slowest = max(r["max_ms"] for r in non_lab)
    print(
        f"goal: every non-lab Check click < {GOAL_MS:.0f} ms (slowest {slowest:.1f} ms): {'met' if ok else 'NOT met'}"
    )
    return {"exercises": results, "goal_ms": GOAL_MS, "slowest_non_lab_ms": slowest, "ok": ok}


if __name__ == "__main__":
    run()
