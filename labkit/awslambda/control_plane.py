"""The Lambda control plane the lab adds on top of moto, applied to boto3 calls made through the lab.

moto stores functions but accepts any ``VpcConfig``, is always ``Active``, creates no network interfaces
and runs no handler. The lab's botocore hooks (``before-call`` / ``after-call`` on every lab session)
route each call here, and tables from operation name to step decide what happens (as moto's services
dispatch by action name):

* before the call: authorise it (a client with ``policies``), validate a ``VpcConfig``
  (``labkit.awslambda.validation``), refuse what the function's state refuses
  (``labkit.awslambda.states.refusal``), refuse EC2 deletions that a Hyperplane ENI depends on
  (``labkit.awslambda.ec2_hooks``), and answer ``Invoke`` entirely (``labkit.awslambda.invoke`` runs the
  handler with ``labkit.awslambda.runtime``);
* after the call: keep a gateway endpoint's routes in step with ``ModifyVpcEndpoint`` (and its
  ``PrivateDnsEnabled``), start the work a creation or update implies (``labkit.awslambda.lifecycle``: ENIs,
  state changes on the lab clock) and put the function's state into the response (``State``,
  ``StateReason``, ``StateReasonCode``, ``LastUpdateStatus``…, ``VpcConfig.VpcId`` derived from the
  subnets). ``ListFunctions`` returns no state fields, as on AWS (only ``GetFunction`` /
  ``GetFunctionConfiguration`` do); record the cache clusters' security groups and nodes, which moto drops
  (``labkit.awslambda.elasticache_hooks``).

Errors are ``labkit.awslambda.exceptions`` classes; the hook turns them into AWS error responses.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from labkit.awslambda.ec2_hooks import Ec2Hooks
from labkit.awslambda.elasticache_hooks import ElastiCacheHooks
from labkit.awslambda.exceptions import AwsError, InvalidParameterValueException, ResourceNotFoundException
from labkit.awslambda.invoke import INVOKE_OPERATIONS, Invoker
from labkit.awslambda.lifecycle import FunctionLifecycle
from labkit.awslambda.permissions import (
    Principal,
    authorize,
    base_context,
    iam_action,
    network_describe_denial,
    resource_arn,
)
from labkit.awslambda.states import FunctionRecord, refusal
from labkit.awslambda.validation import check_execution_role, lambda_can_assume, read_vpc_config, resolve_vpc

__all__ = ["ControlPlane", "function_name_of"]

#: State fields ListFunctions does not return (AWS: "use GetFunction").
STATE_FIELDS = (
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode",
)

#: Lambda operations whose response is one function configuration (key None) or holds one ("Configuration").
_CONFIG_RESPONSES = {
    "CreateFunction": None,
    "UpdateFunctionConfiguration": None,
    "UpdateFunctionCode": None,
    "GetFunctionConfiguration": None,
    "PublishVersion": None,
    "GetFunction": "Configuration",
}
#: Lambda operations whose response lists configurations, and the list's key.
_LIST_RESPONSES = {"ListFunctions": "Functions", "ListVersionsByFunction": "Versions"}


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
    """The hooks' entry points for one lab (see the module docstring); the work is done by its parts:
    ``lifecycle`` (function records and ENIs), ``invoker`` (Invoke) and ``ec2`` (EC2 hooks)."""

    def __init__(self, lab):
        self._lab = lab
        self.lifecycle = FunctionLifecycle(lab)
        self.invoker = Invoker(lab, self.lifecycle)
        self.ec2 = Ec2Hooks(lab, self.lifecycle.pool)
        self.elasticache = ElastiCacheHooks(lab)

    # the parts' state, under the names the lab and deploy use

    @property
    def records(self) -> dict[str, FunctionRecord]:
        return self.lifecycle.records

    @property
    def pool(self):
        return self.lifecycle.pool

    @property
    def last_result(self):
        """The runtime's result of the latest invocation."""
        return self.invoker.last_result

    @property
    def _default_rules(self) -> set[str]:
        return self.ec2.default_rules

    def adopt(self, config: dict) -> FunctionRecord:
        """Start tracking a function created without the lab's hooks (CloudFormation): it is being created now."""
        return self.lifecycle.adopt(config)

    def sync_ec2(self) -> None:
        """Fill in what moto leaves out of the account's EC2 state (see ``Ec2Hooks.sync``)."""
        self.ec2.sync()

    def gate(self, name, snapshot, service):
        """``None`` when the function reaches ``service``; else the blocking Trace (see ``Invoker.gate``)."""
        return self.invoker.gate(name, snapshot, service)

    # hook entry points

    def before_call(
        self, service: str, operation: str, params: dict, *, policies=None, principal: Principal | None = None
    ):
        """``None`` to let moto answer, or an ``(http, parsed)`` response. AWS errors become error responses."""
        try:
            if service == "lambda":
                name = function_name_of(params["FunctionName"]) if params.get("FunctionName") else None
                step = _BEFORE_LAMBDA.get(operation, ControlPlane._before_operation)
                return step(self, operation, name, params, policies, principal)
            if policies is not None:
                self._authorize(service, operation, params, policies, principal)
            if service == "ec2":
                self.ec2.before(operation, params)
            return None
        except AwsError as e:
            return e.response()

    def after_call(self, service: str, operation: str, params: dict, http, parsed) -> None:
        if http is None or getattr(http, "status_code", 200) >= 300:
            return
        if service == "ec2":
            self.ec2.after(operation, params)
            return
        if service == "elasticache":
            self.elasticache.after(operation, params, parsed)
            return
        if service != "lambda":
            return
        step = _AFTER_LAMBDA.get(operation)
        if step is not None:
            step(self, operation, params, parsed)
        if operation in _CONFIG_RESPONSES:
            key = _CONFIG_RESPONSES[operation]
            config = parsed.get(key) if key else parsed
            if isinstance(config, dict) and config.get("FunctionName"):
                self._amend(config, with_state=True, vpcs=self.lifecycle.vpcs_of_configs([config]))
        elif operation in _LIST_RESPONSES:
            configs = [c for c in parsed.get(_LIST_RESPONSES[operation]) or () if isinstance(c, dict)]
            vpcs = self.lifecycle.vpcs_of_configs(configs)
            for config in configs:
                self._amend(config, with_state=False, vpcs=vpcs)

    # before a Lambda call

    def _before_operation(self, operation, name, params, policies, principal):
        """Any other Lambda operation: authorised, then refused if the function's state refuses it."""
        if policies is not None:
            self._authorize("lambda", operation, params, policies, principal)
        record = self.lifecycle.record(name) if name is not None else None
        if record is None:
            return None  # moto answers (ResourceNotFoundException for an unknown function)
        error = refusal(operation, record)
        if error is not None:
            raise error
        return None

    def _before_invoke(self, operation, name, params, policies, principal):
        if policies is not None:
            self._authorize("lambda", operation, params, policies, principal)
        if name is None:
            return None
        record = self.lifecycle.record(name)
        if record is None:  # moto's Docker-less Invoke answers even for a function that does not exist
            raise ResourceNotFoundException(
                f"Function not found: arn:aws:lambda:{self._lab.region}:{self._lab.account_id}:function:{name}"
            )
        return self.invoker.invoke(record, params, operation)

    def _before_configure(self, operation, name, params, policies, principal):
        record = None
        if operation == "UpdateFunctionConfiguration":
            record = self.lifecycle.record(name)
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
            self._authorize_configure(operation, name, params, policies, principal, request, vpc_id, record)
        connecting = request is not None and not request.disconnect
        stays_connected = request is None and record is not None and record.effective.vpc_connected
        role = params.get("Role") or (record.effective.role if record is not None else "")
        if params.get("Role"):
            self.check_role(role, permissions=connecting or stays_connected)
        elif connecting:
            self.check_role(role, permissions=True)
        return None

    def _authorize_configure(self, operation, name, params, policies, principal, request, vpc_id, record):
        """CreateFunction / UpdateFunctionConfiguration with a policy-restricted client: the lambda action with
        the VPC condition keys, iam:PassRole for a role, and the EC2 describe calls Lambda makes for the caller."""
        from labkit.iam import lambda_vpc_context
        from labkit.iam.lambda_role import LAMBDA_SERVICE

        context = base_context(principal, self._lab.now)
        if request is not None:
            context.update(
                lambda_vpc_context(list(request.subnet_ids), list(request.security_group_ids), vpc_id or None)
            )
        elif record is not None:
            # The guide's tip: a function that already has a VPC configuration can be updated without
            # one; the request is then judged on the configuration the function has.
            current = self._lab.internal("lambda").get_function_configuration(FunctionName=name)
            vpc = current.get("VpcConfig") or {}
            if vpc.get("SubnetIds"):
                context.update(
                    lambda_vpc_context(
                        list(vpc["SubnetIds"]),
                        list(vpc.get("SecurityGroupIds") or []),
                        self.lifecycle.vpc_of(vpc["SubnetIds"]) or None,
                    )
                )
        authorize(
            policies,
            principal,
            iam_action("lambda", operation),
            resource_arn("lambda", params, principal),
            context,
            error_service="lambda",
        )
        if params.get("Role"):
            pass_context = {**base_context(principal, self._lab.now), "iam:PassedToService": LAMBDA_SERVICE}
            authorize(policies, principal, "iam:PassRole", params["Role"], pass_context, error_service="lambda")
        if request is not None and not request.disconnect:
            denial = network_describe_denial(
                policies,
                principal,
                base_context(principal, self._lab.now),
                request.subnet_ids,
                request.security_group_ids,
                vpc_id,
            )
            if denial is not None:
                raise denial

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
        authorize(
            policies,
            principal,
            action,
            resource_arn(prefix, params, principal),
            base_context(principal, self._lab.now),
            error_service=service,
        )

    # after a Lambda call

    def _after_create(self, operation, params, parsed) -> None:
        self.lifecycle.created(parsed)

    def _after_update(self, operation, params, parsed) -> None:
        record = self.records.get(function_name_of(params.get("FunctionName", "")))
        if record is not None and not (operation == "UpdateFunctionCode" and params.get("DryRun")):
            self.lifecycle.start(record, "update", self.lifecycle.snapshot(record.name))

    def _after_delete(self, operation, params, parsed) -> None:
        if not params.get("Qualifier"):
            self.lifecycle.forget(function_name_of(params.get("FunctionName", "")))

    # responses

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
        record = self.lifecycle.record(config["FunctionName"])
        if record is None:
            return
        for key in STATE_FIELDS:
            config.pop(key, None)
        config.update(record.fields())


_BEFORE_LAMBDA = {
    "CreateFunction": ControlPlane._before_configure,
    "UpdateFunctionConfiguration": ControlPlane._before_configure,
    **{operation: ControlPlane._before_invoke for operation in INVOKE_OPERATIONS},
}
_AFTER_LAMBDA = {
    "CreateFunction": ControlPlane._after_create,
    "UpdateFunctionConfiguration": ControlPlane._after_update,
    "UpdateFunctionCode": ControlPlane._after_update,
    "DeleteFunction": ControlPlane._after_delete,
}
