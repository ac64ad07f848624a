"""Importer cost: ``Topology.from_boto3`` against the bare describe calls it needs (goal: ≤ 1.5×).

For each size, a fresh offline (moto) account is filled with N subnets spread over a few VPCs (up to 250
/24 subnets per VPC), and, per VPC, an attached internet gateway, a public and a private route table
(every subnet associated with one of them), a NAT gateway and an S3 gateway endpoint; per 10 subnets a
security group with two ingress rules, a network interface and a VPC-connected Lambda function.

Two things are timed, alternately, ``RUNS`` times each; the figures are the fastest run of each (as
``timeit`` does: the run least disturbed by other work on the machine), medians beside them:

* **describe**: plain boto3 clients (ec2, lambda, sts) created from the session, and every call the
  importer makes (``labkit.vpc.importer.IMPORT_CALLS`` through paginators, plus GetCallerIdentity), with
  the items collected into lists;
* **import**: ``Topology.from_boto3(session)``: the same calls through read-only clients, plus turning
  the answers into the model.

"parse" is the model-building part alone (``build_topology`` on the collected answers). The ratio is
import / describe (fastest runs). Most of the time is moto answering, which is what the bare calls
measure; creating the ec2 client alone takes a few tens of milliseconds, so small accounts are dominated
by it on both sides.
"""

from __future__ import annotations

import ipaddress
import os
import statistics
import time

SIZES = (10, 100, 1000)
SUBNETS_PER_VPC = 250
RUNS = 7
GOAL = 1.5

_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_REMOVED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
)


def _fill(session, n_subnets: int) -> dict:
    """Create the synthetic account; return how many of each thing it holds."""
    ec2, lam, iam = session.client("ec2"), session.client("lambda"), session.client("iam")
    role = iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    package = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
    n_vpcs = -(-n_subnets // SUBNETS_PER_VPC)
    made = {"vpcs": n_vpcs, "subnets": 0, "functions": 0}
    for v in range(n_vpcs):
        cidr = ipaddress.ip_network(f"10.{v}.0.0/16")
        vpc = ec2.create_vpc(CidrBlock=str(cidr))["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        count = min(SUBNETS_PER_VPC, n_subnets - made["subnets"])
        subnets = []
        for i, net in zip(range(count), cidr.subnets(new_prefix=24), strict=False):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=str(net))["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=public_rt if i == 0 else private_rt, SubnetId=subnet)
            subnets.append(subnet)
        made["subnets"] += count
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[private_rt], VpcEndpointType="Gateway"
        )
        for k in range(0, count, 10):
            sg = ec2.create_security_group(VpcId=vpc, GroupName=f"g{k}", Description="bench")["GroupId"]
            ec2.authorize_security_group_ingress(
                GroupId=sg,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "IpRanges": [{"CidrIp": str(cidr)}],
                        "UserIdGroupPairs": [{"GroupId": sg}],
                    }
                ],
            )
            ec2.create_network_interface(SubnetId=subnets[k], Groups=[sg])
            lam.create_function(
                FunctionName=f"fn-{v}-{k}",
                Runtime="python3.12",
                Role=role,
                Handler="index.handler",
                Code=package,
                VpcConfig={"SubnetIds": subnets[k : k + 2], "SecurityGroupIds": [sg]},
            )
            made["functions"] += 1
    return made


def _bare(session) -> dict:
    """Every call the importer makes, with plain clients, answers collected; nothing else."""
    from labkit.vpc.importer import IMPORT_CALLS

    clients = {svc: session.client(svc) for svc in ("ec2", "lambda", "sts")}
    out = {}
    for svc, method, key in IMPORT_CALLS:
        items = []
        for page in clients[svc].get_paginator(method).paginate():
            items.extend(page.get(key) or ())
        out[key] = items
    clients["sts"].get_caller_identity()
    return out


def _ms(value: float) -> float:
    return round(value * 1000, 1)


def _measure(n_subnets: int) -> dict:
    import boto3
    import moto

    from labkit.vpc.importer import build_topology, topology_from_boto3

    with moto.mock_aws():
        session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name="us-east-1",
        )
        t0 = time.perf_counter()
        made = _fill(session, n_subnets)
        fill_s = time.perf_counter() - t0
        _bare(session), topology_from_boto3(session)  # warm the service-model caches of both paths
        bare, imported, parse = [], [], []
        for _ in range(RUNS):
            t = time.perf_counter()
            answers = _bare(session)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            topo = topology_from_boto3(session)
            imported.append(time.perf_counter() - t)
            t = time.perf_counter()
            build_topology(answers)
            parse.append(time.perf_counter() - t)
        assert len(topo.subnets) >= n_subnets and len(topo.functions) == made["functions"]
    return {
        **made,
        "fill_s": round(fill_s, 1),
        "describe_ms": _ms(min(bare)),
        "import_ms": _ms(min(imported)),
        "parse_ms": _ms(min(parse)),
        "describe_median_ms": _ms(statistics.median(bare)),
        "import_median_ms": _ms(statistics.median(imported)),
        "ratio": round(min(imported) / min(bare), 2),
    }


def run() -> dict:
    """Measure every size, print a table, return the figures (``ok`` says whether the goal is met)."""
    saved = {k: os.environ.get(k) for k in (*_FAKE_ENV, *_REMOVED_ENV)}
    os.environ.update(_FAKE_ENV)
    for k in _REMOVED_ENV:
        os.environ.pop(k, None)
    try:
        rows = {f"subnets_{n}": _measure(n) for n in SIZES}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    header = (
        f"{'subnets':>8} {'vpcs':>5} {'functions':>9} {'describe ms':>12} {'import ms':>10} {'parse ms':>9} "
        f"{'ratio':>6}   {'medians: describe / import ms':>29}"
    )
    print(header)
    print("-" * len(header))
    for row in rows.values():
        print(
            f"{row['subnets']:>8} {row['vpcs']:>5} {row['functions']:>9} {row['describe_ms']:>12} "
            f"{row['import_ms']:>10} {row['parse_ms']:>9} {row['ratio']:>6}   "
            f"{row['describe_median_ms']:>14} / {row['import_median_ms']:<12}"
        )
    ok = all(r["ratio"] <= GOAL for r in rows.values())
    print(f"goal: import ≤ {GOAL}× the bare describe calls — {'met' if ok else 'NOT met'}")
    return {**rows, "goal_ratio": GOAL, "ok": ok}


if __name__ == "__main__":
    run()
