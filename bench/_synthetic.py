"""Synthetic accounts for benchmarks: N subnets spread over VPCs of 100 subnets each.

Each VPC looks like the AWS guide's "private + public" sample: a public subnet with a NAT gateway and
an attached internet gateway, private subnets routing 0.0.0.0/0 to the NAT gateway, an S3 gateway
endpoint, a custom network ACL with a dozen rules and one Lambda function in two private subnets.
"""

from __future__ import annotations

from labkit.vpc.model import (
    InternetGateway,
    LambdaFunction,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Topology,
    Vpc,
    VpcEndpoint,
)

PER_VPC = 100


def synthetic_topology(n_subnets: int) -> Topology:
    vpcs, subnets, rts, igws, nats, eps, sgs, acls, fns = [], [], [], [], [], [], [], [], []
    n_vpcs = max(1, -(-n_subnets // PER_VPC))
    for v in range(n_vpcs):
        vid = f"vpc-{v:04d}"
        vpcs.append(Vpc(vid, (f"10.{v}.0.0/16",)))
        count = min(PER_VPC, n_subnets - v * PER_VPC)
        ids = [f"subnet-{v:04d}-{i:03d}" for i in range(count)]
        subnets += [Subnet(sid, vid, f"10.{v}.{i}.0/24", f"us-east-1{'abc'[i % 3]}") for i, sid in enumerate(ids)]
        local = Route(f"10.{v}.0.0/16", "local", "local")
        rts.append(RouteTable(f"rtb-{v:04d}-pub", vid, (local, Route("0.0.0.0/0", "igw", f"igw-{v:04d}")), (ids[0],)))
        rts.append(
            RouteTable(
                f"rtb-{v:04d}-priv",
                vid,
                (local, Route("0.0.0.0/0", "nat", f"nat-{v:04d}"), Route("pl-s3", "vpce", f"vpce-{v:04d}")),
                tuple(ids[1:]),
            )
        )
        rts.append(RouteTable(f"rtb-{v:04d}-main", vid, (local,), is_main=True))
        igws.append(InternetGateway(f"igw-{v:04d}", (vid,)))
        nats.append(NatGateway(f"nat-{v:04d}", vid, ids[0]))
        eps.append(
            VpcEndpoint(
                f"vpce-{v:04d}", vid, "com.amazonaws.us-east-1.s3", "Gateway", route_table_ids=(f"rtb-{v:04d}-priv",)
            )
        )
        sgs.append(
            SecurityGroup(
                f"sg-{v:04d}",
                vid,
                egress=(SgRule("tcp", 443, 443, cidr="0.0.0.0/0"), SgRule("tcp", 5432, 5432, cidr=f"10.{v}.0.0/16")),
            )
        )
        rules = [
            NaclEntry(10 * k, egress, "deny", "6", f"198.51.{k}.0/24", 0, 65535)
            for k in range(1, 6)
            for egress in (True, False)
        ]
        rules += [
            NaclEntry(100, True, "allow"),
            NaclEntry(100, False, "allow", "6", "0.0.0.0/0", 1024, 65535),
            NaclEntry(110, False, "allow", "6", f"10.{v}.0.0/16", 0, 65535),
        ]
        acls.append(NetworkAcl(f"acl-{v:04d}", vid, tuple(rules), tuple(ids), is_default=True))
        if count >= 3:
            fns.append(
                LambdaFunction(
                    f"fn-{v:04d}", subnet_ids=(ids[1], ids[2]), security_group_ids=(f"sg-{v:04d}",), vpc_id=vid
                )
            )
    return Topology(
        vpcs=tuple(vpcs),
        subnets=tuple(subnets),
        route_tables=tuple(rts),
        internet_gateways=tuple(igws),
        nat_gateways=tuple(nats),
        vpc_endpoints=tuple(eps),
        security_groups=tuple(sgs),
        network_acls=tuple(acls),
        prefix_lists=(PrefixList("pl-s3", "com.amazonaws.us-east-1.s3"),),
        functions=tuple(fns),
    )
