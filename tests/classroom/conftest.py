"""One real JupyterHub (127.0.0.1, classroom/jupyterhub_config.py with the local spawner) shared by the
tests marked ``hub``; it and everything it started are stopped at the end of the session. Without
configurable-http-proxy (JupyterHub's proxy, installed by `make test`) they are skipped — failed in CI."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    if shutil.which("configurable-http-proxy") is None:
        message = (
            "configurable-http-proxy is missing: sudo apt-get install node-configurable-http-proxy "
            "(or npm install -g configurable-http-proxy)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from labkit.classroom.localhub import LocalHub

    with LocalHub(tmp_path_factory.mktemp("hub"), env={"LABKIT_INSTRUCTOR": "0"}) as running:
        yield running
