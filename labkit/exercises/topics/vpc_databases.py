"""Databases: let a VPC-connected function reach its RDS database, the way the Lambda guide's RDS tutorial
does it — an inbound rule on the database's security group that references the function's security group on
the database's port. Graded by tracing the lab to ``"rds:NAME"``."""

from __future__ import annotations

from labkit.exercises.catalog import register
from labkit.exercises.feedback import Case, Feedback
from labkit.exercises.labwork import (
    FUNCTION,
    Solution,
    VpcFunctionExercise,
    add_function,
    first_blocker,
    path_outcome,
    stack_ids,
)
from labkit.vpc.reach import trace

DATABASE = "orders-db"
DB_PORT = 3306
DB_GROUP = "orders-db"


def build_database(lab, subnet_ids, vpc_id: str, *, name: str = DATABASE, group_name: str = DB_GROUP) -> dict:
    """A MySQL DB instance ``name`` in a DB subnet group of ``subnet_ids``, with its own security group
    (no inbound rules yet); returns ``{"db_instance", "db_security_group_id", "db_port"}``."""
    group = lab.client("ec2").create_security_group(
        GroupName=group_name, Description="The orders database", VpcId=vpc_id
    )["GroupId"]
    rds = lab.client("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{name}-subnets", DBSubnetGroupDescription="private subnets", SubnetIds=list(subnet_ids)
    )
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        DBSubnetGroupName=f"{name}-subnets",
        VpcSecurityGroupIds=[group],
        Port=DB_PORT,
        MasterUsername="orders",
        MasterUserPassword="lab-only-password",
        AllocatedStorage=20,
    )
    return {"db_instance": name, "db_security_group_id": group, "db_port": DB_PORT}


NUDGE = (
    "Which security group decides who may connect to the database, and what does it say about connections "
    "from the function?"
)


def _admit_function(lab, scenario):
    """An inbound rule on the database's security group: tcp on the database's port from the function's group."""
    lab.client("ec2").authorize_security_group_ingress(
        GroupId=scenario["db_security_group_id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": scenario["db_port"],
                "ToPort": scenario["db_port"],
                "UserIdGroupPairs": [{"GroupId": scenario["security_group_id"]}],
            }
        ],
    )


def _covers(rule, port: int) -> bool:
    return rule.protocol == "-1" or (
        rule.protocol in ("tcp", "6")
        and rule.from_port is not None
        and rule.from_port <= port <= (rule.to_port or rule.from_port)
    )


@register
class DatabaseAccess(VpcFunctionExercise):
    id = "reachability/database"
    title = "Let the function reach its database"
    topic = "reachability"
    difficulty = "core"
    destination = f"rds:{DATABASE}"
    scenario_text = (
        f"The guide's private network (vpc-private). The function {FUNCTION} runs in its two private "
        f"subnets with its own security group. A MySQL DB instance, {DATABASE}, sits in a DB subnet "
        f"group of the same two subnets, with its own security group ({DB_GROUP}). The function's "
        "connections to the database time out."
    )
    prompt = (
        f"lab = exercise.start() builds the lab. Find out why {FUNCTION} can't reach rds:{DATABASE} and fix "
        "it with one boto3 call (lab.client('ec2')…), the way the Lambda guide's RDS tutorial does: admit the "
        "function by its security group, not by addresses. Then exercise.check() traces the lab. "
        f"lk.trace(lab.topology(), '{FUNCTION}', 'rds:{DATABASE}') shows what the grader sees."
    )
    answer_help = (
        "Change exercise.lab, then exercise.check(); or exercise.check(fix) with a function "
        "fix(lab, scenario) that changes a fresh copy of the lab (scenario holds the ids)."
    )
    hints = (
        f"Trace it: print(lk.trace(lab.topology(), '{FUNCTION}', 'rds:{DATABASE}')). Which hop stops the traffic, "
        "and is it on the function's side or the database's?",
        "The connection is stopped when it arrives: look at the inbound rules of the database's security group "
        "(ec2.describe_security_groups(GroupIds=[scenario['db_security_group_id']])).",
        "An inbound rule can name another security group instead of addresses: it then admits every network "
        "interface that carries that group — here the function's Hyperplane ENIs, whatever their addresses.",
        "ec2.authorize_security_group_ingress(GroupId=<the database's group>, IpPermissions=[{'IpProtocol': 'tcp', "
        "'FromPort': <port>, 'ToPort': <port>, 'UserIdGroupPairs': [{'GroupId': <the function's group>}]}]).",
    )

    def build(self, lab) -> dict:
        stack = lab.deploy("vpc-private")
        ids = stack_ids(lab, stack, public=False)
        add_function(lab, ids)
        ids.update(build_database(lab, ids["private_subnet_ids"], ids["vpc_id"]))
        return ids

    def _solution(self):
        return Solution(_admit_function)

    def grade_function(self, topo, fn, scenario) -> Feedback:
        port, fn_group, db_group = scenario["db_port"], scenario["security_group_id"], scenario["db_security_group_id"]
        t = trace(topo, FUNCTION, self.destination)
        ingress = [r for r in topo.security_group(db_group).ingress if _covers(r, port)]
        by_reference = [r for r in ingress if r.group_id and r.group_id in fn.security_group_ids]
        open_to_all = [r for r in ingress if r.cidr == "0.0.0.0/0"]
        by_address = [r for r in ingress if r.cidr and r.cidr != "0.0.0.0/0"]
        cases = tuple(
            Case(f"rds:{DATABASE} from {p.subnet_id}", p.reachable, "reachable", *path_outcome(p, "reachable"))
            for p in t.paths
        )
        cases += (
            Case(
                f"the database's group admits {fn_group} by reference on tcp/{port}",
                bool(by_reference),
                "a rule naming the function's group",
                "yes" if by_reference else "no such rule",
                nudge="" if by_reference else "Which security group may an inbound rule name as its source?",
            ),
        )
        misplaced = (
            [r for r in topo.security_group(fn_group).ingress if _covers(r, port)] if fn_group != db_group else []
        )
        if open_to_all:
            return Feedback(
                self.id,
                False,
                f"The database's group now admits tcp/{port} from 0.0.0.0/0: anyone who "
                "can route to it may try to log in. Remove that rule "
                "(ec2.revoke_security_group_ingress) and admit only the function, by naming its security "
                "group in the rule instead of an address range.",
                cases,
                trace=t,
                topology=topo,
            )
        if t.reachable and not by_reference:
            which = ", ".join(sorted({r.cidr for r in by_address})) or "addresses"
            return Feedback(
                self.id,
                False,
                f"{FUNCTION} reaches the database now, through a rule for {which}. That "
                "admits every network interface in those addresses — any other resource there too — and "
                "breaks when the function moves to other subnets. The guide's way names the function's "
                "security group in the database group's inbound rule (UserIdGroupPairs); replace the "
                "address rule with that.",
                cases,
                trace=t,
                topology=topo,
            )
        if t.reachable:
            return Feedback(
                self.id,
                True,
                f"{FUNCTION} reaches rds:{DATABASE} on tcp/{port} from all its subnets: "
                f"the database's group admits the function's group ({fn_group}) by reference, so any "
                "Hyperplane ENI carrying that group is let in, whatever its address.",
                cases,
                trace=t,
                topology=topo,
            )
        if misplaced and not ingress:
            return Feedback(
                self.id,
                False,
                f"You added an inbound rule to the function's own group ({fn_group}). "
                "Inbound rules apply to traffic arriving at the interfaces that carry the group — the "
                "function receives no connection here; the database does. Put the rule on the "
                "database's security group.",
                cases,
                trace=t,
                topology=topo,
            )
        other_ports = [
            r
            for r in topo.security_group(db_group).ingress
            if (r.group_id and r.group_id in fn.security_group_ids) or r.cidr
        ]
        if other_ports:
            return Feedback(
                self.id,
                False,
                f"The database's group has a rule for the function, but not for the "
                f"port the database listens on: {DATABASE} listens on tcp/{port} (see its Endpoint in "
                "rds.describe_db_instances). " + first_blocker(t),
                cases,
                trace=t,
                topology=topo,
                nudge="The database's group has a rule for the function, but not for the port the "
                "database listens on: which port is that? (rds.describe_db_instances shows its Endpoint.) "
                + first_blocker(t, fix=False),
            )
        return self.not_reached(t, topo, cases, NUDGE)
