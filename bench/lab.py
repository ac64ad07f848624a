"""the offline lab: Lab() start-up, creating and activating 100 VPC functions, a waiter round trip.

Goals: ``lk.Lab()`` in a fresh Python process under 1.5 s (measured in a subprocess, imports included; the
first EC2 answer of a process, which loads moto's EC2 and the EC2 service model, is shown apart); a waiter
round trip that returns in well under a second of real time while the lab clock moves the 90 s of an ENI
creation.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

_STARTUP = """
import time
t0 = time.perf_counter()
import labkit as lk
lab = lk.Lab()
t1 = time.perf_counter()
lab.client("ec2").describe_vpcs()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""

GOAL_STARTUP_S = 1.5
FUNCTIONS = 100


def _startup() -> tuple[float, float]:
    samples = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True)
        samples.append(tuple(float(x) for x in out.stdout.split()))
    lab_s = statistics.median(s[0] for s in samples)
    first_ec2_s = statistics.median(s[1] for s in samples)
    return lab_s, first_ec2_s


GOAL_WARM_INVOKE_MS = 10.0


def _warm_invocation_ms(calls: int = 50) -> float:
    """Median-free mean of ``calls`` warm in-process invocations of a handler that returns its event."""
    import boto3

    from labkit import samples
    from labkit.awslambda.runtime import run_handler

    code = samples.handler_zip("def handler(event, context):\n    return event\n", "app.py")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")

    def gate(destination: str) -> None:  # every destination open: no trace answers "blocked"
        return None

    arn = "arn:aws:lambda:us-east-1:123456789012:function:fast"

    def once() -> None:
        run_handler(
            code,
            "app.handler",
            {"n": 1},
            function_name="fast",
            function_arn=arn,
            timeout_s=3,
            memory_mb=128,
            environment={"A": "1"},
            session_factory=lambda: session,
            gate=gate,
        )

    once()
    t0 = time.perf_counter()
    for _ in range(calls):
        once()
    return (time.perf_counter() - t0) / calls * 1e3


def run() -> dict:
    import labkit as lk
    from labkit import samples

    lab_s, first_ec2_s = _startup()
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        lk.Lab().close()
        warm.append(time.perf_counter() - t0)

    with lk.Lab() as lab:
        net = samples.build_private(lab.session, name="bench")
        samples.create_function(lab.session, "warm-up")  # creates the execution role
        lam = lab.client("lambda")
        role = lab.client("iam").get_role(RoleName="labkit-lambda-vpc-role")["Role"]["Arn"]
        code = samples.handler_zip(samples.DEFAULT_HANDLER, "index.py")
        t0 = time.perf_counter()
        for i in range(FUNCTIONS):
            lam.create_function(
                FunctionName=f"f{i:03d}",
                Runtime="python3.12",
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": code},
                VpcConfig={"SubnetIds": net["private_subnet_ids"], "SecurityGroupIds": [net["security_group_id"]]},
            )
        created_s = time.perf_counter() - t0
        lab.advance(lab.timings.eni_create)
        states = {lam.get_function(FunctionName=f"f{i:03d}")["Configuration"]["State"] for i in range(FUNCTIONS)}
        total_s = time.perf_counter() - t0
        enis = [
            e
            for e in lab.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
            if e.get("InterfaceType") == "lambda"
        ]

        samples.create_function(lab.session, "waited", net["private_subnet_ids"][:1], [net["security_group_id"]])
        lab.advance(lab.timings.eni_create)  # its ENI exists: the next one is a join
        lam.update_function_configuration(
            FunctionName="waited",
            VpcConfig={"SubnetIds": net["private_subnet_ids"], "SecurityGroupIds": [net["security_group_id"]]},
        )
        lab_before = lab.clock.elapsed
        t0 = time.perf_counter()
        lam.get_waiter("function_updated_v2").wait(FunctionName="waited")
        update_wait_s, update_lab_s = time.perf_counter() - t0, lab.clock.elapsed - lab_before

        group = lab.client("ec2").create_security_group(
            VpcId=net["vpc_id"], GroupName="new-combo", Description="a new combination"
        )["GroupId"]
        lam.create_function(
            FunctionName="fresh",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code},
            VpcConfig={"SubnetIds": net["private_subnet_ids"][:1], "SecurityGroupIds": [group]},
        )
        lab_before = lab.clock.elapsed
        t0 = time.perf_counter()
        lam.get_waiter("function_active_v2").wait(FunctionName="fresh")
        active_wait_s, active_lab_s = time.perf_counter() - t0, lab.clock.elapsed - lab_before

    warm_invoke_ms = _warm_invocation_ms()
    result = {
        "lab_startup_cold_s": round(lab_s, 3),
        "first_ec2_call_cold_s": round(first_ec2_s, 3),
        "lab_startup_warm_ms": round(statistics.median(warm) * 1e3, 1),
        "goal_startup_s": GOAL_STARTUP_S,
        "create_100_vpc_functions_s": round(created_s, 2),
        "create_and_activate_100_s": round(total_s, 2),
        "functions_per_s": round(FUNCTIONS / total_s, 1),
        "all_active": states == {"Active"},
        "shared_enis": len(enis),
        "waiter_active_v2_real_ms": round(active_wait_s * 1e3, 1),
        "waiter_active_v2_lab_s": round(active_lab_s, 1),
        "waiter_updated_v2_real_ms": round(update_wait_s * 1e3, 1),
        "waiter_updated_v2_lab_s": round(update_lab_s, 1),
        "warm_invocation_ms": round(warm_invoke_ms, 2),
        "goal_warm_invocation_ms": GOAL_WARM_INVOKE_MS,
    }
    result["ok"] = bool(lab_s < GOAL_STARTUP_S and result["all_active"] and active_wait_s < 1.0)
    rows = [
        ("Lab() in a fresh process (imports included)", f"{lab_s:.2f} s", f"goal < {GOAL_STARTUP_S} s"),
        ("  then the first EC2 call of the process", f"{first_ec2_s:.2f} s", "moto EC2 + service model load"),
        ("Lab() again in the same process", f"{result['lab_startup_warm_ms']:.0f} ms", ""),
        (f"create {FUNCTIONS} VPC functions", f"{created_s:.2f} s", f"{FUNCTIONS / created_s:.0f} calls/s"),
        (
            f"… and activate them (advance {lab.timings.eni_create:g} s, check each)",
            f"{total_s:.2f} s",
            f"all Active: {result['all_active']}, {len(enis)} shared ENIs",
        ),
        ("waiter function_active_v2 (new ENI)", f"{active_wait_s * 1e3:.0f} ms", f"lab clock +{active_lab_s:g} s"),
        ("waiter function_updated_v2 (join)", f"{update_wait_s * 1e3:.0f} ms", f"lab clock +{update_lab_s:g} s"),
        (
            "warm invocation of a trivial handler (run_handler)",
            f"{warm_invoke_ms:.1f} ms",
            f"goal < {GOAL_WARM_INVOKE_MS:g} ms",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>9}  {note}")
    return result


if __name__ == "__main__":  # pragma: no cover
    print(run())
