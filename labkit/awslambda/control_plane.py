"""The Lambda control plane the lab adds on top of moto, applied to boto3 calls made through the lab.

moto stores functions but accepts any ``VpcConfig``, is always ``Active``, creates no network interfaces
and runs no handler. The lab's botocore hooks (``before-call`` / ``after-call`` on every lab session)
route each call here:

* before the call: authorise it (a client with ``policies``), validate a ``VpcConfig``
  (``labkit.awslambda.validation``), refuse what the function's state refuses
  (``labkit.awslambda.states.refusal``), refuse EC2 deletions that a Hyperplane ENI depends on, and answer
  ``Invoke`` entirely (it runs the handler with ``labkit.awslambda.runtime``);
* after the call: keep a gateway endpoint's routes in step with ``ModifyVpcEndpoint`` (and its
  ``PrivateDnsEnabled``), start the work a creation or update implies (ENIs, state changes on the lab clock) and
  put the function's state into the response (``State``, ``StateReason``, ``StateReasonCode``,
  ``LastUpdateStatus``…, ``VpcConfig.VpcId`` derived from the subnets). ``ListFunctions`` returns no state
  fields, as on AWS (only ``GetFunction`` / ``GetFunctionConfiguration`` do).

Errors are ``labkit.awslambda.exceptions`` classes; the hook turns them into AWS error responses.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.exceptions import ClientError

from labkit.awslambda import states
from labkit.awslambda.enis import AVAILABLE, FAILED, EniPool
from labkit.awslambda.exceptions import (
    AwsError,
    DependencyViolation,
    InvalidParameterValue,
    InvalidParameterValueException,
    InvalidRequestContentException,
    InvalidRouteTableIdNotFound,
    ResourceNotFoundException,
    ServiceException,
)
from labkit.awslambda.permissions import (
    Principal,
    authorize,
    base_context,
    iam_action,
    network_describe_denial,
    resource_arn,
)
from labkit.awslambda.responses import http_response, metadata, streaming_body
from labkit.awslambda.states import FunctionRecord, Snapshot, apply, refusal
from labkit.iam.lambda_role import LAMBDA_SERVICE
from labkit.awslambda.validation import check_execution_role, lambda_can_assume, read_vpc_config, resolve_vpc

__all__ = ["ControlPlane", "function_name_of"]

#: State fields ListFunctions does not return (AWS: "use GetFunction").
STATE_FIELDS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
                "LastUpdateStatusReasonCode")

#: Lambda operations whose response is one function configuration (key None) or holds one ("Configuration").
_CONFIG_RESPONSES = {
    "CreateFunction": None, "UpdateFunctionConfiguration": None, "UpdateFunctionCode": None,
    "GetFunctionConfiguration": None, "PublishVersion": None, "GetFunction": "Configuration",
}

_LOG_TAIL_BYTES = 4096


def function_name_of(value: str) -> str:
    """The function name in a name, an ARN or a partial ARN (qualifier dropped).

    >>> function_name_of("f"), function_name_of("arn:aws:lambda:us-east-1:111122223333:function:f:prod")
    ('f', 'f')
    >>> function_name_of("111122223333:function:f")
    'f'
    """
    value = str(value)
    if ":function:" in value:
        return value.split(":function:", 1)[1].split(":", 1)[0]
    return value.split(":", 1)[0]


class ControlPlane:
    """Function records, Hyperplane ENIs and the hooks' logic for one lab (see the module docstring)."""

    def __init__(self, lab):
        self._lab = lab
        self.records: dict[str, FunctionRecord] = {}
        self.pool = EniPool(lab)
        self._subnet_vpcs: dict[str, str] = {}
        self._default_rules: set[str] = set()  # VPCs whose default group got its self-referencing rule

    # ================================================================================== hook entry points

    def before_call(self, service: str, operation: str, params: dict, *, policies=None,
                    principal: Principal | None = None):
        """``None`` to let moto answer, or an ``(http, parsed)`` response. AWS errors become error responses."""
        try:
            if service == "lambda":
                return self._before_lambda(operation, params, policies, principal)
            if policies is not None:
                self._authorize(service, operation, params, policies, principal)
            if service == "ec2":
                self._before_ec2(operation, params)
            return None
        except AwsError as e:
            return e.response()

    def after_call(self, service: str, operation: str, params: dict, http, parsed) -> None:
        if http is None or getattr(http, "status_code", 200) >= 300:
            return
        if service == "ec2":
            self._after_ec2(operation, params)
            return
        if service != "lambda":
            return
        if operation == "CreateFunction":
            self._created(parsed)
        elif operation in ("UpdateFunctionConfiguration", "UpdateFunctionCode"):
            record = self.records.get(function_name_of(params.get("FunctionName", "")))
            if record is not None and not (operation == "UpdateFunctionCode" and params.get("DryRun")):
                self._start(record, "update", self._snapshot(record.name))
        elif operation == "DeleteFunction" and not params.get("Qualifier"):
            self._forget(function_name_of(params.get("FunctionName", "")))
        if operation in _CONFIG_RESPONSES:
            key = _CONFIG_RESPONSES[operation]
            config = parsed.get(key) if key else parsed
            if isinstance(config, dict) and config.get("FunctionName"):
                self._amend(config, with_state=True, vpcs=self._vpcs_of_configs([config]))
        elif operation in ("ListFunctions", "ListVersionsByFunction"):
            configs = [c for c in parsed.get("Functions") or parsed.get("Versions") or () if isinstance(c, dict)]
            vpcs = self._vpcs_of_configs(configs)
            for config in configs:
                self._amend(config, with_state=False, vpcs=vpcs)

    # ======================================================================================== lambda

    def _before_lambda(self, operation, params, policies, principal):
        name = function_name_of(params["FunctionName"]) if params.get("FunctionName") else None
        if operation in ("CreateFunction", "UpdateFunctionConfiguration"):
            return self._before_configure(operation, name, params, policies, principal)
        if policies is not None:
            self._authorize("lambda", operation, params, policies, principal)
        if name is None:
            return None
        record = self._record(name)
        invoking = operation in ("Invoke", "InvokeAsync", "InvokeWithResponseStream")
        if record is None:
            if invoking:  # moto's Docker-less Invoke answers even for a function that does not exist
                raise ResourceNotFoundException(
                    f"Function not found: arn:aws:lambda:{self._lab.region}:{self._lab.account_id}:function:{name}")
            return None  # moto answers ResourceNotFoundException
        if invoking:
            return self._invoke(record, params, operation)
        error = refusal(operation, record)
        if error is not None:
            raise error
        return None

    def _before_configure(self, operation, name, params, policies, principal):
        record = None
        if operation == "UpdateFunctionConfiguration":
            record = self._record(name)
            if record is None:
                if policies is not None:
                    self._authorize("lambda", operation, params, policies, principal)
                return None  # moto answers ResourceNotFoundException
            error = refusal(operation, record)
            if error is not None:
                raise error
        request = read_vpc_config(params.get("VpcConfig"))
        vpc_id = resolve_vpc(self._lab.internal("ec2"), request) if request is not None else ""
        if policies is not None:
            from labkit.iam import lambda_vpc_context

            context = base_context(principal, self._lab.now)
            if request is not None:
                context.update(lambda_vpc_context(list(request.subnet_ids), list(request.security_group_ids),
                                                  vpc_id or None))
            elif record is not None:
                # The guide's tip: a function that already has a VPC configuration can be updated without
                # one; the request is then judged on the configuration the function has.
                current = self._lab.internal("lambda").get_function_configuration(FunctionName=name)
                vpc = current.get("VpcConfig") or {}
                if vpc.get("SubnetIds"):
                    context.update(lambda_vpc_context(list(vpc["SubnetIds"]), list(vpc.get("SecurityGroupIds") or []),
                                                      self._vpc_of(vpc["SubnetIds"]) or None))
            authorize(policies, principal, iam_action("lambda", operation),
                      resource_arn("lambda", params, principal), context, error_service="lambda")
            if params.get("Role"):
                pass_context = {**base_context(principal, self._lab.now), "iam:PassedToService": LAMBDA_SERVICE}
                authorize(policies, principal, "iam:PassRole", params["Role"], pass_context, error_service="lambda")
            if request is not None and not request.disconnect:
                denial = network_describe_denial(policies, principal, base_context(principal, self._lab.now),
                                                 request.subnet_ids, request.security_group_ids, vpc_id)
                if denial is not None:
                    raise denial
        connecting = request is not None and not request.disconnect
        stays_connected = request is None and record is not None and record.effective.vpc_connected
        role = params.get("Role") or (record.effective.role if record is not None else "")
        if params.get("Role"):
            self.check_role(role, permissions=connecting or stays_connected)
        elif connecting:
            self.check_role(role, permissions=True)
        return None

    def check_role(self, role_arn: str, *, permissions: bool) -> None:
        """Lambda must be able to assume the role, and a VPC function's role must manage network interfaces."""
        iam = self._lab.internal("iam")
        cannot = InvalidParameterValueException("The role defined for the function cannot be assumed by Lambda.")
        if not role_arn.startswith(f"arn:aws:iam::{self._lab.account_id}:role/"):
            raise cannot
        try:
            if not lambda_can_assume(iam, role_arn):
                raise cannot
            if permissions:
                check_execution_role(iam, role_arn)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchEntity", "NoSuchEntityException"):
                raise cannot from None
            raise

    def _authorize(self, service, operation, params, policies, principal):
        action = iam_action(service, operation)
        prefix = action.split(":", 1)[0]
        authorize(policies, principal, action, resource_arn(prefix, params, principal),
                  base_context(principal, self._lab.now), error_service=service)

    # -------------------------------------------------------------------------------------- records

    def _record(self, name: str) -> FunctionRecord | None:
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
        record = FunctionRecord(config["FunctionName"], config["FunctionArn"])
        self.records[record.name] = record
        snapshot = self._snapshot(record.name, config)
        if snapshot.vpc_connected:
            apply(record, "create")
            self._start(record, "create", snapshot)
        else:
            self._start_plain(record, snapshot)
        return record

    def _created(self, parsed: dict) -> None:
        name = parsed["FunctionName"]
        record = FunctionRecord(name, parsed["FunctionArn"])
        self.records[name] = record
        snapshot = self._snapshot(name)
        if snapshot.vpc_connected:
            apply(record, "create")
            self._start(record, "create", snapshot)
        else:
            self._start_plain(record, snapshot)

    def _start_plain(self, record: FunctionRecord, snapshot: Snapshot) -> None:
        if self._lab.timings.create > 0:
            apply(record, "create")
            self._start(record, "create", snapshot)
        else:
            apply(record, "create_plain")
            record.effective, record.last_used = snapshot, self._lab.clock.elapsed

    def _forget(self, name: str) -> None:
        record = self.records.pop(name, None)
        if record is None:
            return
        record.generation += 1
        self._lab.clock.cancel(record.idle_event)
        held = set(record.combinations) | (set(record.target.combinations) if record.target else set())
        for key in held:
            self.pool.release(key, name)
        self._lab.changed()

    def _snapshot(self, name: str, config: dict | None = None) -> Snapshot:
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
            vpc_id=self._vpc_of(subnets),
            role=config.get("Role") or "",
        )

    def _vpc_of(self, subnet_ids) -> str:
        vpcs = self._vpcs_of_configs([{"VpcConfig": {"SubnetIds": list(subnet_ids)}}])
        return next((vpcs[s] for s in subnet_ids if s in vpcs), "")

    # ------------------------------------------------------------------------------------------ work

    def _start(self, record: FunctionRecord, kind: str, target: Snapshot) -> None:
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
        if record is None or record.generation != generation or record.target is None:
            return
        kind, target, network = record.work, record.target, record.work_network
        new_keys = (target.combinations - record.combinations) if network else frozenset()
        failure = None
        for key in sorted(new_keys, key=lambda k: (k[0], sorted(k[1]))):
            combo = self.pool.get(key)
            if combo is None or combo.status != AVAILABLE:
                failure = (combo.failure if combo is not None and combo.status == FAILED and combo.failure
                           else ("InternalError", "Lambda could not set up the function's network interface."))
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

    # ---------------------------------------------------------------------------------------- invoke

    def _invoke(self, record: FunctionRecord, params: dict, operation: str):
        error = refusal("Invoke", record)
        if error is not None:
            if record.state == states.INACTIVE:
                apply(record, "invoke")
                self._start(record, "reactivate", record.effective)
            raise error
        invocation_type = params.get("InvocationType") or "RequestResponse"
        if operation == "InvokeAsync":
            invocation_type = "Event"
        if invocation_type == "DryRun":
            return http_response(204), {"StatusCode": 204, "ResponseMetadata": metadata(204)}
        event = _read_event(params.get("Payload", params.get("InvokeArgs")))
        snapshot = record.effective
        if snapshot.vpc_connected:
            self._lab.topology()  # read the account now, not while the handler's time runs
        try:
            from labkit.awslambda import runtime
        except ImportError as e:  # pragma: no cover - the runtime ships with labkit
            raise ServiceException(f"The lab can't run handlers here: {e}") from e
        result = runtime.run_handler(
            snapshot.code_zip, snapshot.handler, event,
            function_name=record.name, function_arn=record.arn, timeout_s=snapshot.timeout,
            memory_mb=snapshot.memory, environment=dict(snapshot.environment),
            session_factory=self._lab.session_factory, gate=lambda service: self.gate(record.name, snapshot, service),
        )
        record.last_used = self._lab.clock.elapsed
        self.last_result = result
        if invocation_type == "RequestResponse" and result.duration_s:
            self._lab.clock.advance(result.duration_s)
        status = 202 if invocation_type == "Event" else 200
        headers = {"x-amz-executed-version": "$LATEST"}
        parsed: dict[str, Any] = {"StatusCode": status, "ExecutedVersion": "$LATEST"}
        if operation == "InvokeAsync":
            return http_response(202), {"Status": 202, "ResponseMetadata": metadata(202)}
        body = b"" if invocation_type == "Event" else bytes(result.payload or b"")
        if result.function_error and invocation_type != "Event":
            parsed["FunctionError"] = result.function_error
            headers["x-amz-function-error"] = result.function_error
        if params.get("LogType") == "Tail" and invocation_type != "Event":
            tail = (result.log or "").encode()[-_LOG_TAIL_BYTES:]
            parsed["LogResult"] = base64.b64encode(tail).decode()
            headers["x-amz-log-result"] = parsed["LogResult"]
        parsed["Payload"] = streaming_body(body)
        parsed["ResponseMetadata"] = metadata(status, headers)
        return http_response(status, headers), parsed

    def gate(self, name: str, snapshot: Snapshot, service: str):
        """``None`` when the function (as ``snapshot`` connects it) reaches ``service``; else the blocking Trace."""
        if not snapshot.vpc_connected:
            return None
        from labkit.errors import DestinationError
        from labkit.vpc.reach import trace

        topology = self._lab.topology()
        current = next((f for f in topology.functions if f.name == name), None)
        same = current is not None and set(current.subnet_ids) == set(snapshot.subnet_ids) and \
            set(current.security_group_ids) == set(snapshot.security_group_ids)
        if same:
            source, groups = name, None
        else:
            source, groups = list(snapshot.subnet_ids), list(snapshot.security_group_ids)
        try:
            result = trace(topology, source, service, security_groups=groups)
        except DestinationError:
            result = trace(topology, source, "internet", security_groups=groups)
        return None if result.reachable else result

    # ------------------------------------------------------------------------------------- responses

    def _vpcs_of_configs(self, configs) -> dict[str, str]:
        """subnet id → VPC id for every subnet these configurations name (a subnet never changes VPC: cached)."""
        ids = {s for c in configs for s in ((c.get("VpcConfig") or {}).get("SubnetIds") or ())}
        unknown = sorted(ids - set(self._subnet_vpcs))
        if unknown:
            subnets = self._lab.internal("ec2").describe_subnets(
                Filters=[{"Name": "subnet-id", "Values": unknown}])["Subnets"]
            self._subnet_vpcs.update({s["SubnetId"]: s["VpcId"] for s in subnets})
        return self._subnet_vpcs

    def _amend(self, config: dict, *, with_state: bool, vpcs: dict[str, str]) -> None:
        vpc = config.get("VpcConfig")
        if isinstance(vpc, dict):
            subnets = vpc.get("SubnetIds") or []
            vpc["VpcId"] = next((vpcs[s] for s in subnets if s in vpcs), "")
        if not with_state:
            for key in STATE_FIELDS:
                config.pop(key, None)
            return
        if config.get("Version") not in (None, "$LATEST"):
            return  # published versions: moto's fields
        record = self._record(config["FunctionName"])
        if record is None:
            return
        for key in STATE_FIELDS:
            config.pop(key, None)
        config.update(record.fields())

    # ============================================================================================ EC2

    def sync_ec2(self) -> None:
        """What moto leaves out of the account's EC2 state, filled in lazily (before each EC2 call, after a
        deploy): every VPC's default security group allows all inbound traffic from itself, and an endpoint
        made without a type is a gateway endpoint."""
        from labkit.awslambda import mock

        account, region = self._lab.account_id, self._lab.region
        mock.gateway_endpoints_typed(account, region)
        for vpc_id in mock.vpc_ids(account, region):
            if vpc_id in self._default_rules:
                continue
            self._default_rules.add(vpc_id)  # once: a learner may revoke the rule afterwards
            group_id = mock.default_group_id(account, region, vpc_id)
            if group_id is None:
                continue
            try:
                self._lab.internal("ec2").authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
                    {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}])
            except ClientError:  # already there
                pass

    def _before_ec2(self, operation: str, params: dict) -> None:
        self.sync_ec2()
        if operation == "ModifyVpcEndpoint":
            from labkit.awslambda import mock

            for table_id in params.get("AddRouteTableIds") or ():
                if not mock.route_table_exists(self._lab.account_id, self._lab.region, table_id):
                    raise InvalidRouteTableIdNotFound(f"The routeTable ID '{table_id}' does not exist")
        elif operation == "DeleteVpcEndpoints":
            from labkit.awslambda import mock

            mock.forget_missing_endpoint_routes(self._lab.account_id, self._lab.region,
                                                params.get("VpcEndpointIds") or ())
        elif operation == "DeleteSubnet":
            subnet_id = params.get("SubnetId", "")
            if self.pool.interfaces_in_subnet(subnet_id):
                raise DependencyViolation(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        elif operation == "DeleteSecurityGroup" and params.get("GroupId"):
            group_id = params["GroupId"]
            if self.pool.interfaces_with_group(group_id):
                raise DependencyViolation(f"resource {group_id} has a dependent object")
        elif operation == "DeleteNetworkInterface":
            eni_id = params.get("NetworkInterfaceId", "")
            if self.pool.is_lambda_interface(eni_id):
                raise InvalidParameterValue(f"Network interface '{eni_id}' is currently in use.")


    def _after_ec2(self, operation: str, params: dict) -> None:
        if operation != "ModifyVpcEndpoint":
            return
        from labkit.awslambda import mock

        account, region, endpoint_id = self._lab.account_id, self._lab.region, params.get("VpcEndpointId", "")
        mock.endpoint_routes(account, region, endpoint_id, add=params.get("AddRouteTableIds") or (),
                             remove=params.get("RemoveRouteTableIds") or ())
        if params.get("PrivateDnsEnabled") is not None:
            mock.set_private_dns(account, region, endpoint_id, params["PrivateDnsEnabled"])


def _read_event(payload) -> Any:
    """The invocation's event: the Payload parsed as JSON (``{}`` when there is none)."""
    if payload is None:
        return {}
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, (bytes, bytearray)):
        payload = bytes(payload).decode("utf-8")
    if not str(payload).strip():
        return {}
    try:
        return json.loads(payload)
    except ValueError as e:
        raise InvalidRequestContentException(f"Could not parse request body into json: {e}") from None
