"""The lifecycle of the lab's functions: records, creation, updates, idleness, on the lab clock."""

from __future__ import annotations

from botocore.exceptions import ClientError

from labkit.awslambda import states
from labkit.awslambda.enis import AVAILABLE, FAILED, EniPool
from labkit.awslambda.states import FunctionRecord, Snapshot, apply

__all__ = ["FunctionLifecycle"]


class FunctionLifecycle:
    """Each function's record and the work (ENIs, state changes) its creation or update starts."""

    def __init__(self, lab):
        self._lab = lab
        self.records: dict[str, FunctionRecord] = {}
        self.pool = EniPool(lab)
        self._subnet_vpcs: dict[str, str] = {}

    def record(self, name: str) -> FunctionRecord | None:
        """The record of a function; a function the lab has not seen yet (e.g. from a template) is adopted."""
        record = self.records.get(name)
        if record is not None:
            return record
        try:
            config = self._lab.internal("lambda").get_function_configuration(FunctionName=name)
        except ClientError:
            return None
        return self.adopt(config)

    def adopt(self, config: dict) -> FunctionRecord:
        """Start tracking a function created without the lab's hooks (CloudFormation): it is being created now."""
        return self._track(config["FunctionName"], config["FunctionArn"], config)

    def created(self, parsed: dict) -> None:
        """A CreateFunction call succeeded: the function is being created now."""
        self._track(parsed["FunctionName"], parsed["FunctionArn"])

    def _track(self, name: str, arn: str, config: dict | None = None) -> FunctionRecord:
        record = FunctionRecord(name, arn)
        self.records[name] = record
        snapshot = self.snapshot(name, config)
        if snapshot.vpc_connected:
            apply(record, "create")
            self.start(record, "create", snapshot)
        else:
            self._start_plain(record, snapshot)
        return record

    def _start_plain(self, record: FunctionRecord, snapshot: Snapshot) -> None:
        if self._lab.timings.create > 0:
            apply(record, "create")
            self.start(record, "create", snapshot)
        else:
            apply(record, "create_plain")
            record.effective, record.last_used = snapshot, self._lab.clock.elapsed

    def forget(self, name: str) -> None:
        record = self.records.pop(name, None)
        if record is None:
            return
        record.generation += 1
        self._lab.clock.cancel(record.idle_event)
        held = set(record.combinations) | (set(record.target.combinations) if record.target else set())
        for key in held:
            self.pool.release(key, name)
        self._lab.changed()

    def snapshot(self, name: str, config: dict | None = None) -> Snapshot:
        """What the function is now, in moto: code, handler, settings, network (VPC derived from the subnets)."""
        from labkit.awslambda import mock

        if config is None:
            config = self._lab.internal("lambda").get_function_configuration(FunctionName=name)
        vpc = config.get("VpcConfig") or {}
        subnets = tuple(vpc.get("SubnetIds") or ())
        groups = tuple(vpc.get("SecurityGroupIds") or ())
        return Snapshot(
            code_zip=mock.function_code(self._lab.account_id, self._lab.region, name),
            handler=config.get("Handler") or "",
            runtime=config.get("Runtime") or "",
            timeout=int(config.get("Timeout") or 3),
            memory=int(config.get("MemorySize") or 128),
            environment=tuple(sorted(((config.get("Environment") or {}).get("Variables") or {}).items())),
            subnet_ids=subnets,
            security_group_ids=groups,
            vpc_id=self.vpc_of(subnets),
            role=config.get("Role") or "",
        )

    def start(self, record: FunctionRecord, kind: str, target: Snapshot) -> None:
        """Begin a creation, update or reactivation; it finishes on the lab clock (see ``timings``)."""
        clock, t = self._lab.clock, self._lab.timings
        if kind == "update":
            apply(record, "update")
        record.generation += 1
        generation = record.generation
        if record.target is not None:  # an unfinished earlier attempt: drop its reservations
            for key in record.target.combinations - record.combinations:
                self.pool.release(key, record.name)
        # An update of an Inactive function changes its configuration only: the ENIs come back on invocation.
        network = target.vpc_connected and (kind != "update" or record.state == states.ACTIVE)
        record.work, record.target, record.work_network = kind, target, network
        now = clock.elapsed
        if kind == "update":
            due = now + t.update
        else:
            due = now + (0.0 if network else t.create)
        if network:
            for key in target.combinations - record.combinations:
                due = max(due, self.pool.reserve(key, record.name, target.role))
        clock.schedule(due - now, lambda: self._finish(record.name, generation), f"{kind} {record.name}")
        self._lab.changed()

    def _finish(self, name: str, generation: int) -> None:
        record = self.records.get(name)
        if record is None or record.generation != generation or record.target is None or record.work is None:
            return
        kind, target, network = record.work, record.target, record.work_network
        new_keys = (target.combinations - record.combinations) if network else frozenset()
        failure = None
        for key in sorted(new_keys, key=lambda k: (k[0], sorted(k[1]))):
            combo = self.pool.get(key)
            if combo is None or combo.status != AVAILABLE:
                failure = (
                    combo.failure
                    if combo is not None and combo.status == FAILED and combo.failure
                    else ("InternalError", "Lambda could not set up the function's network interface.")
                )
                break
        if failure is None:
            apply(record, {"create": "network_ready", "reactivate": "network_ready", "update": "update_done"}[kind])
            record.effective = target
            if network:
                dropped = record.combinations - target.combinations
                record.combinations = frozenset(target.combinations)
            elif not target.vpc_connected:  # disconnected (or never connected)
                dropped, record.combinations = record.combinations, frozenset()
            else:
                dropped = frozenset()
            for key in dropped:
                self.pool.release(key, name)
            record.last_used = self._lab.clock.elapsed
            self._schedule_idle(record)
        else:
            code, reason = failure
            event = {"create": "network_failed", "reactivate": "reactivate_failed", "update": "update_failed"}[kind]
            apply(record, event, reason_code=code, reason=reason)
            for key in new_keys:
                self.pool.release(key, name)
            if kind == "update":
                self._revert_network(record)
        record.work, record.target, record.work_network = None, None, False
        self._lab.changed()

    def _revert_network(self, record: FunctionRecord) -> None:
        """A failed update keeps the previous network configuration (AWS aborts the update)."""
        previous = record.effective
        self._lab.internal("lambda").update_function_configuration(
            FunctionName=record.name,
            VpcConfig={"SubnetIds": list(previous.subnet_ids), "SecurityGroupIds": list(previous.security_group_ids)},
        )

    def _schedule_idle(self, record: FunctionRecord) -> None:
        clock = self._lab.clock
        clock.cancel(record.idle_event)
        record.idle_event = None
        if not record.effective.vpc_connected or record.state != states.ACTIVE:
            return
        wait = record.last_used + self._lab.timings.idle - clock.elapsed
        name = record.name
        record.idle_event = clock.schedule(wait, lambda: self._idle(name), f"idle check {name}")

    def _idle(self, name: str) -> None:
        record = self.records.get(name)
        if record is None or record.state != states.ACTIVE or not record.effective.vpc_connected:
            return
        clock = self._lab.clock
        if record.work is not None or clock.elapsed - record.last_used < self._lab.timings.idle - 1e-6:
            record.last_used = max(record.last_used, clock.elapsed) if record.work is not None else record.last_used
            self._schedule_idle(record)
            return
        record.idle_event = None
        apply(record, "idle")
        for key in record.combinations:
            self.pool.release(key, name, delay=0.0)  # reclaimed: deleted unless another function uses it
        record.combinations = frozenset()
        self._lab.changed()

    def vpcs_of_configs(self, configs) -> dict[str, str]:
        """subnet id → VPC id for every subnet these configurations name (a subnet never changes VPC: cached)."""
        ids = {s for c in configs for s in ((c.get("VpcConfig") or {}).get("SubnetIds") or ())}
        unknown = sorted(ids - set(self._subnet_vpcs))
        if unknown:
            subnets = self._lab.internal("ec2").describe_subnets(Filters=[{"Name": "subnet-id", "Values": unknown}])[
                "Subnets"
            ]
            self._subnet_vpcs.update({s["SubnetId"]: s["VpcId"] for s in subnets})
        return self._subnet_vpcs

    def vpc_of(self, subnet_ids) -> str:
        vpcs = self.vpcs_of_configs([{"VpcConfig": {"SubnetIds": list(subnet_ids)}}])
        return next((vpcs[s] for s in subnet_ids if s in vpcs), "")
