"""A class on a real JupyterHub (127.0.0.1): spawn time, cell latency, memory per learner, hub load.

    make classroom-bench LEARNERS=30          # or: python -m bench.classroom --learners 30

The hub is classroom/jupyterhub_config.py with SimpleLocalProcessSpawner and the dummy authenticator. The
learners are created through the hub's REST API with the instructor's (admin) token and arrive spread over
``--arrival`` seconds (seeded); their servers are spawned with at most ``--spawn-concurrency`` at once. Each
learner opens a kernel through their server's REST API and websocket and runs the student copy of lesson
02 with the answers filled in (student/ solved = the lesson's cells: lesson 02 has no stub to fill today),
cell by cell, with a seeded think time between cells, then the Checks of the lesson's exercises (a wrong
answer, a hint, the right answer; when a lesson has none, the first non-lab exercises of the catalogue),
whose events go to the progress service. Then the kernel and the server are stopped.

Recorded: spawn time, cell latency (the first cell apart; cells tagged ``slow`` apart), failed cells (an
error output, or no answer within the timeout), peak RSS per learner (server and kernel), the hub's CPU and
memory. Written: bench/classroom.json, bench/classroom.svg; printed: a sizing table (The Littlest
JupyterHub's rule: RAM = concurrent learners × per-learner peak + 128 MB).

Every wait is bounded, and everything started is stopped at the end, on an error and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_JSON = ROOT / "bench" / "classroom.json"
OUT_SVG = ROOT / "bench" / "classroom.svg"
LESSON = "02-connect-a-function.ipynb"
MB = 1024 * 1024


def percentile(values, q: float):
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 3)


# ------------------------------------------------------------------------------------------ the lesson


def lesson_cells(lesson: str = LESSON) -> list[dict]:
    """The code cells a learner runs: the student copy with its answers filled in, then exercise Checks."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / lesson, as_version=4)  # the lesson = its student copy, solved
    cells = [
        {"code": c.source, "slow": "slow" in c.metadata.get("tags", []), "kind": "lesson"}
        for c in nb.cells
        if c.cell_type == "code" and c.source.strip()
    ]
    text = "\n".join(c["code"] for c in cells)
    from labkit.exercises import catalog

    ids = [e.id for e in catalog() if f'"{e.id}"' in text or f"'{e.id}'" in text]
    if not ids:
        ids = [e.id for e in catalog() if not e.uses_lab][:3]
    for ex_id in ids:
        cells.append(
            {
                "code": (
                    f"_ex = lk.exercises.get({ex_id!r})\n_ex.check(None)\n_ex.hint()\n_ex.check(_ex.solution).correct"
                ),
                "slow": False,
                "kind": "check",
            }
        )
    return cells


# ------------------------------------------------------------------------------------------ one learner


class Learner:
    def __init__(self, name: str, arrival: float, rng: random.Random):
        self.name = name
        self.arrival = arrival
        self.rng = rng
        self.spawn_s: float | None = None  # asked → ready, as the learner waits (a turn in the queue included)
        self.server_start_s: float | None = None  # the server's own start
        self.cells: list[dict] = []  # {"i", "t", "latency", "ok", "slow", "kind", "error"}
        self.error: str | None = None
        self.done = False


async def _http(client, method, url, token, body=None, timeout=60):
    from tornado.httpclient import HTTPRequest

    req = HTTPRequest(
        url,
        method=method,
        headers={"Authorization": f"token {token}"},
        body=json.dumps(body) if body is not None else (b"" if method in ("POST", "PUT") else None),
        request_timeout=timeout,
        allow_nonstandard_methods=True,
    )
    resp = await client.fetch(req, raise_error=False)
    if resp.code >= 400 or resp.code == 599:
        raise RuntimeError(f"{method} {url}: HTTP {resp.code} {(resp.body or b'')[:200]!r}")
    return json.loads(resp.body) if resp.body and resp.body.strip() else None


def _message(code: str, session: str) -> tuple[str, str]:
    msg_id = uuid.uuid4().hex
    msg = {
        "header": {
            "msg_id": msg_id,
            "username": "learner",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "buffers": [],
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }
    return msg_id, json.dumps(msg)


async def _execute(ws, code: str, session: str, timeout: float) -> tuple[bool, str | None]:
    msg_id, text = _message(code, session)
    await ws.write_message(text)
    deadline = time.monotonic() + timeout
    ok, error, idle, replied = True, None, False, False
    while not (idle and replied):
        left = deadline - time.monotonic()
        if left <= 0:
            return False, f"no answer within {timeout:.0f} s"
        raw = await asyncio.wait_for(ws.read_message(), timeout=left)
        if raw is None:
            return False, "the kernel's websocket closed"
        msg = json.loads(raw) if isinstance(raw, str) else None
        if not msg or msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        if kind == "error":
            ok, error = False, f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"[:300]
        elif kind == "stream" and msg["content"].get("name") == "stderr" and "Traceback" in msg["content"]["text"]:
            ok, error = False, msg["content"]["text"][-300:]
        elif kind == "execute_reply":
            replied = True
            if msg["content"].get("status") != "ok":
                ok = False
                error = error or f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"[:300]
        elif kind == "status" and msg["content"].get("execution_state") == "idle":
            idle = True
    return ok, error


async def run_learner(hub, learner: Learner, cells, t0: float, spawn_gate: asyncio.Semaphore, args) -> None:
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    client = AsyncHTTPClient(force_instance=True, defaults={"connect_timeout": 20})
    api = f"{hub.url}/hub/api"
    name = learner.name
    try:
        await asyncio.sleep(max(0.0, t0 + learner.arrival - time.monotonic()))
        await _http(client, "POST", f"{api}/users/{name}", hub.admin_token)
        home = Path(hub.state_dir) / "home" / name
        (home / "student").mkdir(parents=True, exist_ok=True)  # what nbgitpuller would have pulled
        shutil.copy(ROOT / "student" / LESSON, home / "student" / LESSON)
        asked = time.monotonic()
        async with spawn_gate:
            started = time.monotonic()
            await _http(client, "POST", f"{api}/users/{name}/server", hub.admin_token, timeout=args.spawn_timeout)
            while True:
                model = await _http(client, "GET", f"{api}/users/{name}", hub.admin_token)
                server = (model.get("servers") or {}).get("")
                if server and server.get("ready"):
                    break
                if time.monotonic() - started > args.spawn_timeout:
                    raise RuntimeError(f"server not ready after {args.spawn_timeout} s")
                await asyncio.sleep(0.25)
            learner.server_start_s = round(time.monotonic() - started, 3)
            learner.spawn_s = round(time.monotonic() - asked, 3)
        token = (
            await _http(
                client, "POST", f"{api}/users/{name}/tokens", hub.admin_token, {"expires_in": 7200, "note": "bench"}
            )
        )["token"]
        base = f"{hub.url}/user/{name}"
        kernel = await _http(client, "POST", f"{base}/api/kernels", token, {"name": "python3"})
        ws_url = f"{base.replace('http://', 'ws://')}/api/kernels/{kernel['id']}/channels"
        from tornado.httpclient import HTTPRequest

        ws = await websocket_connect(
            HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}, connect_timeout=30, request_timeout=30)
        )
        session = uuid.uuid4().hex
        try:
            for i, cell in enumerate(cells):
                if i:
                    await asyncio.sleep(learner.rng.uniform(*args.think))
                sent = time.monotonic()
                try:
                    ok, error = await _execute(
                        ws, cell["code"], session, args.first_cell_timeout if i == 0 else args.cell_timeout
                    )
                except TimeoutError:
                    ok, error = False, "timeout"
                learner.cells.append(
                    {
                        "i": i,
                        "t": round(sent - t0, 3),
                        "latency": round(time.monotonic() - sent, 3),
                        "ok": ok,
                        "slow": cell["slow"],
                        "kind": cell["kind"],
                        "error": error,
                    }
                )
        finally:
            ws.close()
            await _http(client, "DELETE", f"{base}/api/kernels/{kernel['id']}", token)
        await _http(client, "DELETE", f"{api}/users/{name}/server", hub.admin_token, timeout=60)
    except Exception as e:  # noqa: BLE001 - one learner's failure is a figure, not the end of the class
        learner.error = f"{type(e).__name__}: {e}"[:400]
    finally:
        learner.done = True
        client.close()


# ------------------------------------------------------------------------------------------ sampling


def _owner(proc) -> str | None:
    try:
        return proc.environ().get("JUPYTERHUB_USER")
    except Exception:  # noqa: BLE001 - processes come and go
        return None


async def sample(hub, learners, stats: dict, every: float = 1.0) -> None:
    """Peak RSS per learner (server, kernel), the hub's and the proxy's CPU and memory, once a second."""
    import psutil

    hub_proc = psutil.Process(hub.proc.pid)
    hub_proc.cpu_percent(None)
    known: dict[int, tuple] = {}
    while not all(x.done for x in learners):
        await asyncio.sleep(every)
        try:
            children = hub_proc.children(recursive=True)
            stats["hub_cpu"].append(hub_proc.cpu_percent(None))
            stats["hub_rss"].append(hub_proc.memory_info().rss / MB)
        except psutil.Error:
            break
        learners_mem = 0.0
        for p in children:
            try:
                if p.pid not in known:
                    cmd = " ".join(p.cmdline())
                    role = (
                        "server"
                        if "jupyterhub-singleuser" in cmd
                        else "kernel"
                        if "ipykernel" in cmd
                        else "proxy"
                        if "configurable-http-proxy" in cmd
                        else "other"
                    )
                    known[p.pid] = (role, _owner(p) if role in ("server", "kernel") else None)
                role, owner = known[p.pid]
                rss = p.memory_info().rss / MB
            except psutil.Error:
                continue
            if role == "proxy":
                stats["proxy_rss"].append(rss)
            if owner:
                key = (owner, role)
                stats["peak"][key] = max(stats["peak"].get(key, 0.0), rss)
                learners_mem += rss
        stats["timeline"].append(
            (round(time.monotonic() - stats["t0"], 1), round(learners_mem, 1), stats["hub_cpu"][-1])
        )


# ------------------------------------------------------------------------------------------ the class


async def run_class(args, hub=None) -> dict:
    """Run the class; on ``hub`` (a started LocalHub, left running) or on a hub of its own (stopped at the end)."""
    from labkit.classroom.localhub import LocalHub

    rng = random.Random(args.seed)
    cells = lesson_cells()
    names = [f"learner{i:02d}" for i in range(1, args.learners + 1)]
    learners = [Learner(n, rng.uniform(0, args.arrival), random.Random(rng.random())) for n in names]
    own = hub is None
    state = Path(tempfile.mkdtemp(prefix="labkit-classroom-bench-"))
    if own:
        hub = LocalHub(state, env={"LABKIT_INSTRUCTOR": "0", "LABKIT_HUB_CULL_TIMEOUT": "3600"})
    stats = {"hub_cpu": [], "hub_rss": [], "proxy_rss": [], "peak": {}, "timeline": []}
    try:
        if own:
            hub.start()
        stats["t0"] = t0 = time.monotonic()
        gate = asyncio.Semaphore(args.spawn_concurrency)
        sampler = asyncio.ensure_future(sample(hub, learners, stats))
        await asyncio.wait_for(
            asyncio.gather(*(run_learner(hub, x, cells, t0, gate, args) for x in learners)), timeout=args.deadline
        )
        sampler.cancel()
        duration = time.monotonic() - t0
        report = await asyncio.get_running_loop().run_in_executor(None, lambda: _class_report(hub))
    finally:
        if own:
            hub.stop()
        shutil.rmtree(state, ignore_errors=True)
    return summarise(args, learners, cells, stats, duration, report)


def _class_report(hub):
    from labkit.classroom.class_report import from_hub

    try:
        return from_hub(hub.url, hub.admin_token)
    except Exception as e:  # noqa: BLE001 - reported as a figure
        return e


def summarise(args, learners, cells, stats, duration, report) -> dict:
    all_cells = [c for x in learners for c in x.cells]
    first = [c["latency"] for c in all_cells if c["i"] == 0]
    rest = [c["latency"] for c in all_cells if c["i"] > 0 and not c["slow"]]
    slow = [c["latency"] for c in all_cells if c["i"] > 0 and c["slow"]]
    spawns = [x.spawn_s for x in learners if x.spawn_s is not None]
    failed = sum(not c["ok"] for c in all_cells) + sum(len(cells) - len(x.cells) for x in learners)
    kernel_peaks = [v for (o, r), v in stats["peak"].items() if r == "kernel"]
    server_peaks = [v for (o, r), v in stats["peak"].items() if r == "server"]
    per_learner = {}
    for (owner, role), v in stats["peak"].items():
        per_learner.setdefault(owner, {})[role] = round(v, 1)
    learner_peak = max((d.get("kernel", 0) + d.get("server", 0) for d in per_learner.values()), default=0)
    names = {x.name for x in learners}
    report_learners = len(names & set(report.learners)) if not isinstance(report, Exception) else None
    out = {
        "learners": args.learners,
        "seed": args.seed,
        "arrival_s": args.arrival,
        "think_s": list(args.think),
        "spawn_concurrency": args.spawn_concurrency,
        "cells_per_learner": len(cells),
        "duration_s": round(duration, 1),
        "failed_cells": failed,
        "learners_failed": [f"{x.name}: {x.error}" for x in learners if x.error],
        "cell_errors": sorted({f"cell {c['i']}: {c['error']}" for c in all_cells if not c["ok"]})[:20],
        "spawn_p50_s": percentile(spawns, 0.5),
        "spawn_p95_s": percentile(spawns, 0.95),
        "spawn_max_s": percentile(spawns, 1.0),
        "server_start_p50_s": percentile([x.server_start_s for x in learners if x.server_start_s is not None], 0.5),
        "server_start_p95_s": percentile([x.server_start_s for x in learners if x.server_start_s is not None], 0.95),
        "first_cell_p50_s": percentile(first, 0.5),
        "first_cell_p95_s": percentile(first, 0.95),
        "cell_latency_p50_s": percentile(rest, 0.5),
        "cell_latency_p95_s": percentile(rest, 0.95),
        "cell_latency_max_s": percentile(rest, 1.0),
        "slow_cells": {"count": len(slow), "p95_s": percentile(slow, 0.95), "max_s": percentile(slow, 1.0)},
        "check_cell_p95_s": percentile([c["latency"] for c in all_cells if c["kind"] == "check"], 0.95),
        "kernel_peak_rss_mb_max": round(max(kernel_peaks), 1) if kernel_peaks else None,
        "server_peak_rss_mb_max": round(max(server_peaks), 1) if server_peaks else None,
        "learner_peak_rss_mb_max": round(learner_peak, 1),
        "learners_memory_peak_mb": round(max((t[1] for t in stats["timeline"]), default=0), 1),
        "hub_cpu_percent_mean": round(statistics.fmean(stats["hub_cpu"]), 1) if stats["hub_cpu"] else None,
        "hub_cpu_percent_max": round(max(stats["hub_cpu"]), 1) if stats["hub_cpu"] else None,
        "hub_rss_mb_max": round(max(stats["hub_rss"]), 1) if stats["hub_rss"] else None,
        "proxy_rss_mb_max": round(max(stats["proxy_rss"]), 1) if stats["proxy_rss"] else None,
        "report_learners": report_learners,
        "report_error": str(report) if isinstance(report, Exception) else None,
        "per_learner_peak_rss_mb": per_learner,
        "machine": _machine(),
    }
    by_cell: dict[int, list[float]] = {}
    for c in all_cells:
        by_cell.setdefault(c["i"], []).append(c["latency"])
    worst = sorted(by_cell, key=lambda i: -max(by_cell[i]))[:3]
    out["slowest_cells"] = [
        {
            "cell": i,
            "max_s": max(by_cell[i]),
            "median_s": round(statistics.median(by_cell[i]), 3),
            "code": cells[i]["code"].strip().splitlines()[0][:80],
        }
        for i in worst
    ]
    out["sizing"] = sizing(learner_peak)
    out["_timeline"] = stats["timeline"]
    out["_cells"] = [(c["t"], c["latency"], c["i"] == 0) for c in all_cells]
    return out


def _machine() -> dict:
    import os

    import psutil

    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1)}


def sizing(peak_mb: float) -> dict:
    """The Littlest JupyterHub's rule: RAM = concurrent learners × per-learner peak + 128 MB."""
    if not peak_mb:
        return {}
    out = {"per_learner_peak_mb": round(peak_mb, 1), "overhead_mb": 128}
    for name, _cores, gb in (("4-core/16GB", 4, 16), ("8-core/32GB", 8, 32)):
        out[name] = {"learners_by_memory": int((gb * 1024 - 128) // peak_mb)}
    for n in (10, 30, 50):
        out[f"ram_for_{n}_learners_gb"] = round((n * peak_mb + 128) / 1024, 1)
    return out


# ------------------------------------------------------------------------------------------ output


def svg(result: dict) -> str:
    """Two panels drawn as plain SVG: cell latency over time, and memory per learner (server + kernel)."""
    w, h, pad = 900, 300, 50
    cells, per = result["_cells"], result["per_learner_peak_rss_mb"]
    tmax = max((c[0] for c in cells), default=1) or 1
    lmax = max((c[1] for c in cells), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{2 * h + 40}" font-family="sans-serif" '
        f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="{pad}" y="20" font-size="14">Cell latency over time — {result["learners"]} learners '
        f"(grey: each learner's first cell)</text>",
        f'<line x1="{pad}" y1="{h}" x2="{w - 10}" y2="{h}" stroke="black"/>',
        f'<line x1="{pad}" y1="30" x2="{pad}" y2="{h}" stroke="black"/>',
        f'<text x="{w - 10}" y="{h + 15}" text-anchor="end">{tmax:.0f} s</text>',
        f'<text x="5" y="40">{lmax:.1f} s</text>',
    ]
    for t, lat, first in cells:
        x = pad + (w - pad - 10) * t / tmax
        y = h - (h - 40) * lat / lmax
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{"#999" if first else "#1f77b4"}"/>')
    if lmax > 2:
        y2 = h - (h - 40) * 2 / lmax
        parts.append(
            f'<line x1="{pad}" y1="{y2:.1f}" x2="{w - 10}" y2="{y2:.1f}" stroke="#d62728" '
            f'stroke-dasharray="4"/><text x="{w - 10}" y="{y2 - 3:.1f}" text-anchor="end" fill="#d62728">'
            f"2 s goal</text>"
        )
    top = h + 40
    names = sorted(per)
    mmax = max((v.get("server", 0) + v.get("kernel", 0) for v in per.values()), default=1) or 1
    bw = (w - pad - 10) / max(len(names), 1)
    parts.append(
        f'<text x="{pad}" y="{top + 10}" font-size="14">Peak memory per learner, MB (blue: server, '
        f"orange: kernel; max {mmax:.0f} MB)</text>"
    )
    base = top + h - 20
    parts.append(f'<line x1="{pad}" y1="{base}" x2="{w - 10}" y2="{base}" stroke="black"/>')
    for i, n in enumerate(names):
        s, k = per[n].get("server", 0), per[n].get("kernel", 0)
        hs, hk = (h - 60) * s / mmax, (h - 60) * k / mmax
        x = pad + i * bw + 1
        parts.append(
            f'<rect x="{x:.1f}" y="{base - hs:.1f}" width="{max(bw - 2, 1):.1f}" height="{hs:.1f}" '
            f'fill="#1f77b4"><title>{n}: server {s} MB</title></rect>'
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{base - hs - hk:.1f}" width="{max(bw - 2, 1):.1f}" height="{hk:.1f}" '
            f'fill="#ff7f0e"><title>{n}: kernel {k} MB</title></rect>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def print_summary(r: dict) -> None:
    print(
        f"{r['learners']} learners, {r['cells_per_learner']} cells each, {r['duration_s']} s; "
        f"failed cells: {r['failed_cells']}; learners with an error: {len(r['learners_failed'])}"
    )
    print(
        f"spawn p50/p95: {r['spawn_p50_s']}/{r['spawn_p95_s']} s (waiting for a turn included; the server's "
        f"own start p50/p95: {r['server_start_p50_s']}/{r['server_start_p95_s']} s); first cell p50/p95: "
        f"{r['first_cell_p50_s']}/{r['first_cell_p95_s']} s"
    )
    print(
        f"cell latency p50/p95/max (all but the first): {r['cell_latency_p50_s']}/{r['cell_latency_p95_s']}/"
        f"{r['cell_latency_max_s']} s; slow-tagged: {r['slow_cells']}"
    )
    print(
        f"peak RSS: kernel {r['kernel_peak_rss_mb_max']} MB, server {r['server_peak_rss_mb_max']} MB, "
        f"learner {r['learner_peak_rss_mb_max']} MB; hub CPU mean/max {r['hub_cpu_percent_mean']}/"
        f"{r['hub_cpu_percent_max']} %, hub RSS {r['hub_rss_mb_max']} MB; class report: "
        f"{r['report_learners']} learners"
    )
    s = r["sizing"]
    if s:
        print(f"\nSizing (RAM = concurrent learners × {s['per_learner_peak_mb']} MB + 128 MB):")
        print("  node           learners (memory)")
        for node in ("4-core/16GB", "8-core/32GB"):
            print(f"  {node:<13}  {s[node]['learners_by_memory']}")
        print("  " + ", ".join(f"{n} learners: {s[f'ram_for_{n}_learners_gb']} GB" for n in (10, 30, 50)))
    for c in r["slowest_cells"]:
        print(f"  slowest: cell {c['cell']} max {c['max_s']} s, median {c['median_s']} s: {c['code']}")
    for line in r["learners_failed"][:5] + r["cell_errors"][:5]:
        print("  !", line)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench.classroom", description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=30)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--arrival", type=float, default=180.0, help="arrivals spread over this many seconds")
    p.add_argument("--think", type=float, nargs=2, default=(2.0, 10.0), metavar=("MIN", "MAX"))
    p.add_argument("--spawn-concurrency", type=int, default=4)
    p.add_argument("--spawn-timeout", type=float, default=180.0)
    p.add_argument("--first-cell-timeout", type=float, default=120.0)
    p.add_argument("--cell-timeout", type=float, default=60.0)
    p.add_argument("--deadline", type=float, default=3600.0, help="the whole class, at most (s)")
    p.add_argument("--out", type=Path, default=OUT_JSON)
    p.add_argument("--svg", type=Path, default=OUT_SVG)
    args = p.parse_args(argv)
    if args.learners < 1 or args.think[0] < 0 or args.think[1] < args.think[0]:
        p.error("--learners must be ≥ 1 and --think MIN MAX with 0 ≤ MIN ≤ MAX")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    result = asyncio.run(run_class(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.svg.write_text(svg(result), encoding="utf-8")
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    args.out.write_text(json.dumps(public, indent=2, sort_keys=True) + "\n")
    print_summary(result)
    print(f"\nwritten: {args.out}, {args.svg}")
    return 0 if result["failed_cells"] == 0 and not result["learners_failed"] else 1


def run() -> dict:
    """`make bench`: a small class (3 learners, short think time); the full one is `make classroom-bench`."""
    args = parse(
        [
            "--learners",
            "3",
            "--arrival",
            "5",
            "--think",
            "0.2",
            "0.5",
            "--out",
            str(ROOT / "test-output" / "classroom-small.json"),
            "--svg",
            str(ROOT / "test-output" / "classroom-small.svg"),
        ]
    )
    result = asyncio.run(run_class(args))
    print_summary(result)
    return {k: v for k, v in result.items() if not k.startswith("_") and k != "per_learner_peak_rss_mb"}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # run_class's finally has stopped the hub and every server
        sys.exit(130)
