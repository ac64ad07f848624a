"""A real JupyterHub on 127.0.0.1 from ``classroom/jupyterhub_config.py``, for tests and the benchmark.

    with LocalHub(state_dir) as hub:        # SimpleLocalProcessSpawner, the dummy authenticator
        hub.api("POST", "users/alice")      # the hub's REST API with the instructor's (admin) token
        hub.url, hub.admin_token

Free ports are chosen; the hub runs in its own process group, which ``stop()`` ends (TERM, then KILL)
— also at interpreter exit and on Ctrl-C — so nothing it started is left running.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubError(RuntimeError):
    """The hub did not start or did not answer as expected."""


class LocalHub:
    def __init__(
        self,
        state_dir,
        *,
        admin: str = "instructor",
        env: dict | None = None,
        config: Path = CONFIG,
        start_timeout: float = 90.0,
    ):
        self.state_dir = Path(state_dir)
        self.admin = admin
        self.admin_token = secrets.token_hex(16)
        self.port, self.api_port, self.proxy_api_port, self.progress_port = (free_port() for _ in range(4))
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = config
        self.start_timeout = start_timeout
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.log_path = self.state_dir / "hub.log"

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "LABKIT_HUB_SPAWNER": "local",
                "LABKIT_HUB_AUTH": "dummy",
                "LABKIT_HUB_DIR": str(self.state_dir),
                "LABKIT_HUB_PORT": str(self.port),
                "LABKIT_HUB_API_PORT": str(self.api_port),
                "LABKIT_HUB_PROXY_API_PORT": str(self.proxy_api_port),
                "LABKIT_PROGRESS_PORT": str(self.progress_port),
                "LABKIT_HUB_ADMIN": self.admin,
                "LABKIT_HUB_ADMIN_TOKEN": self.admin_token,
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
                "PATH": os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", ""))),
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> LocalHub:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the hub's lifetime
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("jupyterhub")), "-f", str(self.config)],
            cwd=self.state_dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HubError(
                    f"jupyterhub exited with {self.proc.returncode}; see {self.log_path}:\n{self.log_tail()}"
                )
            try:
                self.api("GET", "user", timeout=2)
                self.wait_for_service(deadline)
                return self
            except (OSError, HubError):
                time.sleep(0.5)
        self.stop()
        raise HubError(
            f"jupyterhub did not answer within {self.start_timeout:.0f} s; see {self.log_path}:\n{self.log_tail()}"
        )

    def wait_for_service(self, deadline: float) -> None:
        url = f"{self.url}/services/labkit-progress/api/health"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise HubError("the progress service did not answer")
            time.sleep(0.3)

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 30):
        """Call the hub's REST API (``/hub/api/PATH``); the decoded JSON answer (None when empty)."""
        data = json.dumps(body).encode() if body is not None else (b"" if method in ("POST", "PUT") else None)
        req = urllib.request.Request(
            f"{self.url}/hub/api/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {token or self.admin_token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            raise HubError(f"{method} {path}: HTTP {e.code} {e.read()[:300]!r}") from None
        return json.loads(text) if text.strip() else None

    def create_user(self, name: str) -> str:
        """Create a learner; returns an API token of theirs."""
        self.api("POST", f"users/{name}")
        return self.api("POST", f"users/{name}/tokens", {"expires_in": 3600, "note": "labkit"})["token"]

    def descendants(self) -> list:
        """The hub's processes and everything they started (proxy, services, learners' servers, kernels)."""
        import psutil

        if self.proc is None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def stop(self) -> None:
        """Stop the hub and everything it started: TERM (the hub stops its servers), then KILL what is left —
        learners' servers run in process groups of their own, so they are found and ended one by one."""
        import psutil

        procs = self.descendants()
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for p in procs:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs([p for p in procs if p.pid != proc.pid], timeout=5)

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
