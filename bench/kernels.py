"""learner kernels: peak RSS and wall time per lesson, Lab() start-up against boto3's, 200 labs in one process.

Goals: every lesson's peak kernel RSS (a fresh kernel, the lesson run top to bottom; the kernel's VmHWM)
≤ 160 MB; ``lk.Lab()`` plus the first EC2 call ≤ 2× ``import boto3; boto3.client("ec2")``, both in fresh
processes of the same run; 200 labs created, used (deploy, a VPC function, an invoke, a trace) and
closed in one process: RSS after the last within 30 MB of RSS after the first, no labkit-* temp folder and
no extra thread left. The floor (what a kernel costs before any lesson code) is measured step by step.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

GOAL_PEAK_MB = 160
GOAL_STARTUP_RATIO = 2.0
GOAL_GROWTH_MB = 30
LABS = 200
STARTUP_SAMPLES = 5


def _status_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def _env(tmp: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LABKIT_PROGRESS": os.path.join(tmp, "progress.json"),
            "LABKIT_INSTRUCTOR": "0",
            "TMPDIR": tmp,
        }
    )
    return env


class _Kernel:
    """A fresh kernel started from this interpreter (the venv), with the lab's offline environment."""

    def __init__(self, cwd: Path):
        from jupyter_client.manager import KernelManager

        self.tmp = tempfile.mkdtemp(prefix="bench-kernel-")
        self.km = KernelManager(kernel_name="python3")
        self.km.kernel_spec.argv[0] = sys.executable
        t0 = time.perf_counter()
        self.km.start_kernel(env=_env(self.tmp), cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.start_s = time.perf_counter() - t0
        self.pid = self.km.provisioner.pid

    def run(self, code: str, timeout: float = 600) -> None:
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{code[:60]!r}: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")

    def hwm(self) -> float:
        return _status_mb(self.pid, "VmHWM")

    def rss(self) -> float:
        return _status_mb(self.pid, "VmRSS")

    def close(self) -> None:
        import shutil

        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _lesson(path: Path) -> dict:
    """Run a lesson top to bottom in a fresh kernel: its peak RSS and the wall time of its cells."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    tmp = tempfile.mkdtemp(prefix="bench-kernel-")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    t0 = time.perf_counter()
    with client.setup_kernel(env=_env(tmp), cwd=str(path.parent)):
        pid = client.km.provisioner.pid
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        done = time.perf_counter()
        peak, rss = _status_mb(pid, "VmHWM"), _status_mb(pid, "VmRSS")
    errors = [o.get("ename") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "peak_rss_mb": round(peak, 1),
        "end_rss_mb": round(rss, 1),
        "cells_s": round(done - started, 2),
        "kernel_start_s": round(started - t0, 2),
        "error_outputs": len(errors),
    }


_FLOOR_STEPS = [
    ("fresh kernel", "pass"),
    ("import boto3; boto3.client('ec2')", "import boto3; boto3.client('ec2', region_name='us-east-1')"),
    ("import labkit as lk", "import labkit as lk"),
    ("lk.Lab() + describe_vpcs", "lab = lk.Lab(); lab.client('ec2').describe_vpcs()"),
    ("first IAM call (managed policies)", "lab.client('iam').list_roles()"),
    ("first Lambda call", "lab.client('lambda').list_functions()"),
    ("deploy vpc-privatepublic (CloudFormation)", "st = lab.deploy('vpc-privatepublic')"),
    ("lab.topology()", "topo = lab.topology()"),
    ("a picture (lk.draw)", "lk.draw(lab.topology())"),
    ("RDS call", "lab.client('rds').describe_db_instances()"),
    ("lab.close()", "lab.close(); import gc; gc.collect()"),
]


#: What a lesson's kernel holds, item by item, in the order a lesson meets them (no separate boto3 client:
#: the lab's clients are the lesson's only ones). Each row: RSS after the step and what the step added.
_BREAKDOWN_STEPS = [
    ("fresh kernel", "pass"),
    ("import labkit", "import labkit as lk"),
    ("boto3 + botocore (library code)", "import boto3, botocore.session, botocore.client"),
    ("moto core (responses, requests, werkzeug…)", "import moto"),
    ("lk.Lab(): EC2 API model, lab session", "lab = lk.Lab()"),
    ("first EC2 call: moto's EC2 (+ IAM models, cryptography)", "ec2 = lab.client('ec2'); ec2.describe_vpcs()"),
    ("networkx (the first graph)", "import networkx"),
    ("deploy vpc-privatepublic: CloudFormation, Lambda's moto", "st = lab.deploy('vpc-privatepublic')"),
    ("lab.topology() and its graph", "topo = lab.topology(); topo.graph"),
    ("first Lambda call", "lab.client('lambda').list_functions()"),
    (
        "an AWS managed IAM policy read",
        "lab.client('iam').get_policy(PolicyArn='arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole')",
    ),
    ("a picture (lk.draw, graphviz)", "lk.draw(topo).pipe(format='svg')"),
    ("first S3 call", "lab.client('s3').list_buckets()"),
    ("first RDS call", "lab.client('rds').describe_db_instances()"),
]


def _steps(steps) -> list[dict]:
    kernel = _Kernel(NOTEBOOKS)
    rows, last = [], None
    try:
        for label, code in steps:
            t0 = time.perf_counter()
            kernel.run(code)
            rss = kernel.rss()
            rows.append(
                {
                    "step": label,
                    "rss_mb": round(rss, 1),
                    "added_mb": round(rss - last, 1) if last is not None else round(rss, 1),
                    "peak_mb": round(kernel.hwm(), 1),
                    "s": round(time.perf_counter() - t0, 2),
                }
            )
            last = rss
    finally:
        kernel.close()
    return rows


def _floor() -> list[dict]:
    kernel = _Kernel(NOTEBOOKS)
    rows = []
    try:
        for label, code in _FLOOR_STEPS:
            t0 = time.perf_counter()
            kernel.run(code)
            rows.append(
                {
                    "step": label,
                    "rss_mb": round(kernel.rss(), 1),
                    "peak_mb": round(kernel.hwm(), 1),
                    "s": round(time.perf_counter() - t0, 2),
                }
            )
    finally:
        kernel.close()
    return rows


_BOTO3 = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("ec2", region_name="us-east-1")
print(time.perf_counter() - t0)
"""

_LAB = """
import time
t0 = time.perf_counter()
import labkit as lk
lab = lk.Lab()
lab.client("ec2").describe_vpcs()
print(time.perf_counter() - t0)
"""


def _startup() -> dict:
    tmp = tempfile.mkdtemp(prefix="bench-kernel-")
    env = _env(tmp)
    boto3_s, lab_s = [], []
    for _ in range(STARTUP_SAMPLES):  # alternated, so both see the same machine load
        for code, out in ((_BOTO3, boto3_s), (_LAB, lab_s)):
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            out.append(float(done.stdout.split()[-1]))
    os.rmdir(tmp) if not os.listdir(tmp) else None
    b, lab = statistics.median(boto3_s), statistics.median(lab_s)
    return {"boto3_client_s": round(b, 3), "lab_first_ec2_s": round(lab, 3), "ratio": round(lab / b, 2)}


_MANY = r"""
import gc, json, os, sys, tempfile, threading, time
import labkit as lk
from labkit import samples

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

CODE = "def handler(event, context):\n    return {'n': event['n']}\n"

def one(i):
    with lk.Lab() as lab:
        st = lab.deploy("vpc-private")
        subnets = [st.outputs["privateSubnet1ID"], st.outputs["privateSubnet2ID"]]
        ec2 = lab.client("ec2")
        vpc = st.outputs["privateVPCID"]
        sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
        samples.create_function(lab.session, "fn", subnets, [sg], CODE)
        lab.advance("2 min")
        out = lab.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"n": i}))
        assert json.loads(out["Payload"].read()) == {"n": i}
        lk.trace(lab.topology(), "fn", "s3")

threads0 = threading.active_count()
t0 = time.perf_counter()
one(0)
gc.collect()
first, first_s = status("VmRSS"), time.perf_counter() - t0
for i in range(1, N):
    one(i)
gc.collect()
last = status("VmRSS")
left = [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("labkit")]
print(json.dumps({"rss_after_first_mb": round(first, 1), "rss_after_last_mb": round(last, 1),
                  "growth_mb": round(last - first, 1), "peak_mb": round(status("VmHWM"), 1),
                  "first_lab_s": round(first_s, 2), "per_lab_s": round((time.perf_counter() - t0 - first_s) / (N - 1), 3),
                  "temp_folders_left": len(left), "threads_before": threads0,
                  "threads_left": threading.active_count() - threads0}))
"""


def _many(n: int = LABS) -> dict:
    tmp = tempfile.mkdtemp(prefix="bench-kernel-")
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"N = {n}\n" + _MANY], capture_output=True, text=True, env=_env(tmp), check=True
        )
    except subprocess.CalledProcessError as e:
        raise RuntimeError(e.stderr[-3000:]) from None
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return {"labs": n, **json.loads(done.stdout.strip().splitlines()[-1])}


def _compile_labkit() -> None:
    """labkit's bytecode, as an installed labkit has it (with PYTHONDONTWRITEBYTECODE set, every fresh process
    would compile labkit again, a cost boto3's side of the start-up ratio does not pay)."""
    import compileall

    compileall.compile_dir(str(ROOT / "labkit"), quiet=1)


def run(lessons=None) -> dict:
    _compile_labkit()
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if lessons:
        paths = [p for p in paths if p.name[:2] in lessons]
    result: dict = {"lessons": {}}
    for path in paths:
        result["lessons"][path.stem] = row = _lesson(path)
        print(
            f"{path.stem:<28} peak {row['peak_rss_mb']:6.1f} MB  cells {row['cells_s']:6.2f} s  "
            f"(kernel start {row['kernel_start_s']:.2f} s, end RSS {row['end_rss_mb']:.0f} MB)",
            flush=True,
        )
    result["floor"] = _floor()
    for row in result["floor"]:
        print(
            f"  floor: {row['step']:<44} RSS {row['rss_mb']:6.1f} MB  peak {row['peak_mb']:6.1f} MB  {row['s']:5.2f} s",
            flush=True,
        )
    result["breakdown"] = _steps(_BREAKDOWN_STEPS)
    for row in result["breakdown"]:
        print(
            f"  holds: {row['step']:<58} +{row['added_mb']:5.1f} MB → RSS {row['rss_mb']:6.1f} MB  {row['s']:5.2f} s",
            flush=True,
        )
    result["startup"] = s = _startup()
    print(
        f"start-up: boto3 EC2 client {s['boto3_client_s']:.2f} s, Lab()+first EC2 call {s['lab_first_ec2_s']:.2f} s: "
        f"ratio {s['ratio']:.2f} (goal ≤ {GOAL_STARTUP_RATIO})",
        flush=True,
    )
    result["many_labs"] = m = _many()
    print(
        f"{m['labs']} labs: RSS {m['rss_after_first_mb']:.0f} MB after the first, {m['rss_after_last_mb']:.0f} MB "
        f"after the last (growth {m['growth_mb']:+.0f} MB, goal ≤ {GOAL_GROWTH_MB}); {m['per_lab_s'] * 1e3:.0f} ms "
        f"per lab; temp folders left {m['temp_folders_left']}; threads left {m['threads_left']}",
        flush=True,
    )
    peaks = [r["peak_rss_mb"] for r in result["lessons"].values()]
    result["max_peak_rss_mb"] = max(peaks) if peaks else None
    result["goals"] = {"peak_rss_mb": GOAL_PEAK_MB, "startup_ratio": GOAL_STARTUP_RATIO, "growth_mb": GOAL_GROWTH_MB}
    result["ok"] = bool(
        peaks
        and max(peaks) <= GOAL_PEAK_MB
        and s["ratio"] <= GOAL_STARTUP_RATIO
        and m["growth_mb"] <= GOAL_GROWTH_MB
        and m["temp_folders_left"] == 0
        and m["threads_left"] == 0
    )
    return result


if __name__ == "__main__":  # pragma: no cover
    only = sys.argv[1:]
    print(json.dumps(run(only or None), indent=2))
