"""A small class on a real JupyterHub (127.0.0.1): 3 learners run lesson 02 and check exercises; their events
reach the progress service; nothing is left running. (`make classroom-bench` is the full-size run.)"""

from __future__ import annotations

import asyncio

import psutil
import pytest

from bench import classroom


def _learner_processes() -> list:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if (
                p.info["cmdline"]
                and "jupyterhub-singleuser" in " ".join(p.info["cmdline"])
                and (p.environ().get("JUPYTERHUB_USER") or "").startswith("learner")
            ):
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.mark.hub
def test_a_small_class_runs_without_a_failed_cell_and_shows_in_the_report(hub, tmp_path):
    before = {p.pid for p in _learner_processes()}
    args = classroom.parse(
        [
            "--learners",
            "3",
            "--arrival",
            "3",
            "--think",
            "0.1",
            "0.3",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "c.json"),
            "--svg",
            str(tmp_path / "c.svg"),
        ]
    )
    result = asyncio.run(classroom.run_class(args, hub=hub))
    assert result["learners_failed"] == [] and result["failed_cells"] == 0, result["cell_errors"]
    assert result["report_learners"] == 3  # every learner's Checks reached the progress service
    for key in (
        "spawn_p95_s",
        "first_cell_p95_s",
        "cell_latency_p95_s",
        "kernel_peak_rss_mb_max",
        "server_peak_rss_mb_max",
    ):
        assert isinstance(result[key], float) and result[key] > 0, key
    assert len(result["per_learner_peak_rss_mb"]) == 3
    assert result["sizing"]["4-core/16GB"]["learners_by_memory"] >= 1
    assert "<svg" in classroom.svg(result) and result["cells_per_learner"] > 10
    assert {p.pid for p in _learner_processes()} - before == set()  # every server stopped
