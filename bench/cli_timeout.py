"""Time for `labkit reach` to give up on an AWS endpoint that accepts connections and never answers.

A server on 127.0.0.1 accepts and stays silent; it is the AWS_ENDPOINT_URL of a `labkit reach` run in a
child process with isolated AWS config files and fake credentials. Measured: the default time limits
(connect 5 s, read 10 s, at most 2 attempts) and `--timeout 1`. Goal: exit 2 with one line, well under a
minute with the defaults (it was about 3 minutes and a traceback before labkit set time limits).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 60.0


def _stalled_server(stop: threading.Event) -> tuple[socket.socket, list]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(32)
    sock.settimeout(0.2)
    held: list = []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    return sock, held


def _run(port: int, extra: list[str], home: str) -> tuple[float, int, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LABKIT_AWS_"))
        and k.lower() not in ("https_proxy", "http_proxy", "all_proxy", "no_proxy")
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "AWS_CONFIG_FILE": f"{home}/config",
            "AWS_SHARED_CREDENTIALS_FILE": f"{home}/creds",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        }
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "reach", "fn", "internet", "--region", "us-east-1", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return time.perf_counter() - t0, done.returncode, done.stderr.strip()


def run() -> dict:
    stop = threading.Event()
    sock, held = _stalled_server(stop)
    port = sock.getsockname()[1]
    results = {}
    try:
        with tempfile.TemporaryDirectory() as home:
            Path(home, "config").write_text("")
            Path(home, "creds").write_text("")
            for label, extra in (("default limits", []), ("--timeout 1", ["--timeout", "1"])):
                seconds, code, err = _run(port, extra, home)
                print(f"{label:<16} {seconds:6.1f} s  exit {code}  {err[:110]}")
                results[label] = (seconds, code)
    finally:
        stop.set()
        for c in held:
            c.close()
        sock.close()
    default_s, default_code = results["default limits"]
    short_s, short_code = results["--timeout 1"]
    ok = default_code == 2 and short_code == 2 and default_s < GOAL_SECONDS
    print(f"goal: exit 2 in under {GOAL_SECONDS:.0f} s with the default limits: {'met' if ok else 'NOT met'}")
    return {
        "stalled_default_seconds": round(default_s, 1),
        "stalled_timeout_1_seconds": round(short_s, 1),
        "exit_codes": [default_code, short_code],
        "goal_seconds": GOAL_SECONDS,
        "ok": ok,
    }


if __name__ == "__main__":
    run()
