"""The lessons in a real browser: JupyterLab in Debian's chromium, driven by Playwright.

The test starts its own JupyterLab on 127.0.0.1 (a free port, a random token) serving a temporary copy
of notebooks/, so the repository is never modified. It opens a lesson, runs "Run → Run All Cells" from
the menu, waits for the kernel to go idle, and checks what a learner sees: no tracebacks, the graphviz
pictures drawn, the exercise widgets there, and feedback after clicking Check on a wrong answer.
Screenshots go to test-output/.

The browser may only talk to that JupyterLab: every other request is refused and makes the test fail.
It needs /usr/bin/chromium (``make test`` installs it); without it the test is skipped, except in CI.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.chromium import (
    NOTEBOOK,
    ROOT,
    assert_accessible_pictures,
    guarded_context,
    kernel_idle,
    run_all_cells,
    screenshot,
    sync_playwright,
    tracebacks,
)

pytestmark = pytest.mark.browser

START_TIMEOUT = 60  # s for JupyterLab to answer
RUN_TIMEOUT_MS = 120_000  # a whole notebook, Run All
STEP_TIMEOUT_MS = 30_000

# JupyterLab settings for the test's own settings folder: every cell kept in the page (no windowing, so
# every cell can be checked), and no news or update checks (nothing leaves the machine).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false", "checkForUpdates": false}',
}


@pytest.fixture(scope="module")
def playwright_api():
    return sync_playwright()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(scratch: Path) -> dict:
    """JupyterLab's (and so the kernels') environment: no way to real AWS, a scratch progress file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LABKIT_PROGRESS": str(scratch / "progress.json"),
            "LABKIT_INSTRUCTOR": "0",
            "JUPYTER_CONFIG_DIR": str(scratch / "config"),
            "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        }
    )
    return env


@pytest.fixture(scope="module")
def jupyterlab(playwright_api, tmp_path_factory):
    """A JupyterLab on 127.0.0.1 serving a copy of notebooks/; yields its base URL and token."""
    scratch = tmp_path_factory.mktemp("jupyterlab")
    root = scratch / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = scratch / "settings"
    for name, text in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(text)
    port, token = _free_port(), secrets.token_hex(24)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (scratch / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=_server_env(scratch), cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited ({server.returncode}):\n{(scratch / 'jupyterlab.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer on {base} within {START_TIMEOUT} s")
                time.sleep(0.2)
        yield {"base": base, "token": token, "root": root, "log": scratch / "jupyterlab.log"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(playwright_api, jupyterlab, tmp_path_factory):
    """A fresh chromium profile whose pages may only reach the test's JupyterLab."""
    with playwright_api() as p:
        context, refused = guarded_context(p, jupyterlab["base"], tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield context, refused
        finally:
            context.close()


def _open_and_run_all(context, jupyterlab, notebook: str):
    """Open a notebook, wait for its kernel, clear the stored outputs (so that only what this run shows is
    checked), Run → Run All Cells, and wait until every cell ran."""
    page = context.new_page()
    try:
        _run_all(page, jupyterlab, notebook)
    except Exception:
        screenshot(page, f"browser-FAILED-{notebook}.png")
        raise
    return page


def _run_all(page, jupyterlab, notebook: str) -> None:
    # ?reset: a fresh workspace, so only this notebook is open
    page.goto(f"{jupyterlab['base']}/lab/tree/{notebook}?reset&token={jupyterlab['token']}")
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=STEP_TIMEOUT_MS)
    kernel_idle(page, STEP_TIMEOUT_MS)
    page.click(".lm-MenuBar-itemLabel:text-is('Edit')")
    page.click(".lm-Menu-itemLabel:text-is('Clear Outputs of All Cells')")
    page.wait_for_function(
        f"() => document.querySelectorAll('{NOTEBOOK} .jp-OutputArea-output').length === 0", timeout=STEP_TIMEOUT_MS
    )
    run_all_cells(page, RUN_TIMEOUT_MS)
    kernel_idle(page, STEP_TIMEOUT_MS)


def _code_cell_count(notebook: Path) -> int:
    import nbformat

    return sum(c.cell_type == "code" for c in nbformat.read(notebook, as_version=4).cells)


def _assert_no_errors(page, notebook: str):
    errors = tracebacks(page)
    assert errors == [], f"{notebook}: error output after Run All:\n" + "\n---\n".join(errors)
    # every code cell ran in this kernel (a failed cell would stop Run All and leave the rest unnumbered)
    prompts = page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    numbers = [int(m.group(1)) for m in (re.fullmatch(r"\[(\d+)\]:", t.strip()) for t in prompts) if m]
    assert sorted(numbers) == list(range(1, len(prompts) + 1)), f"{notebook}: not every cell ran: {prompts}"


def test_start_here_draws_the_network(browser, jupyterlab):
    context, refused = browser
    notebook = "00-start-here.ipynb"
    page = _open_and_run_all(context, jupyterlab, notebook)
    _assert_no_errors(page, notebook)
    assert page.locator(f"{NOTEBOOK} .jp-CodeCell").count() == _code_cell_count(jupyterlab["root"] / notebook)

    # a picture is shown as an HTML figure that carries its text alternative (not an <img> without alt)
    assert_accessible_pictures(page)
    screenshot(page, "browser-00-start-here-picture.png")
    assert refused == [], f"the page tried to reach other hosts: {refused}"
    page.close()


def _require_vpc_policy(action) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": action, "Resource": "*", "Condition": {"Null": {"lambda:VpcIds": "true"}}}
        ],
    }


def test_condition_keys_exercise_gives_feedback(browser, jupyterlab):
    context, refused = browser
    notebook = "05-condition-keys.ipynb"
    page = _open_and_run_all(context, jupyterlab, notebook)
    _assert_no_errors(page, notebook)

    widgets = page.locator(f"{NOTEBOOK} .jp-OutputArea-output .widget-button")
    assert widgets.count() >= 2, "the exercise widgets did not render"
    check = page.locator(f"{NOTEBOOK} .widget-button", has_text=re.compile(r"^\s*Check\s*$")).first
    check.scroll_into_view_if_needed()
    exercise = check.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
    assert "Not yet" not in exercise.inner_text() and "Correct" not in exercise.inner_text()
    policy_box = exercise.locator("textarea").first

    feedback = exercise.locator(".labkit-feedback")  # the feedback the Check button writes

    # a wrong answer: "Null" on lambda:VpcIds is right, but a Deny of lambda:* also blocks Invoke
    policy_box.fill(json.dumps(_require_vpc_policy("lambda:*")))
    check.click()
    feedback.get_by_text("Not yet").wait_for(timeout=STEP_TIMEOUT_MS)
    assert "wrongly DENIES" in feedback.inner_text() and "InvokeFunction" in feedback.inner_text()
    feedback.scroll_into_view_if_needed()
    screenshot(page, "browser-05-condition-keys-feedback.png")

    # the guide's answer, typed in the same box, is accepted
    policy_box.fill(json.dumps(_require_vpc_policy(["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"])))
    check.click()
    feedback.get_by_text("Correct").wait_for(timeout=STEP_TIMEOUT_MS)
    assert "Not yet" not in feedback.inner_text()
    screenshot(page, "browser-05-condition-keys-correct.png")
    assert refused == [], f"the page tried to reach other hosts: {refused}"
    page.close()
