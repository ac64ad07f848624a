"""``lk.Lab``: an isolated, offline AWS account for learning Lambda + VPC with ordinary boto3 code.

    import labkit as lk

    lab = lk.Lab()                                   # or: with lk.Lab() as lab: ...
    stack = lab.deploy("vpc-privatepublic")          # the AWS guide's sample network
    lam = lab.client("lambda")                       # a plain boto3 client
    lam.create_function(..., VpcConfig={"SubnetIds": [...], "SecurityGroupIds": [...]})
    lam.get_function(FunctionName="f")["Configuration"]["State"]     # 'Pending'
    lab.advance("90 s")                              # the lab clock: nothing happens until it moves
    lam.get_waiter("function_active_v2").wait(FunctionName="f")      # returns at once, moves the clock
    lk.trace(lab.topology(), "f", "internet")        # the reachability engine on the lab account

The account is moto's, in this Python process; labkit adds what moto leaves out for this subject — the
Lambda control plane (``labkit.awslambda``): VpcConfig validation, function states driven by the lab clock,
Hyperplane ENIs, permission checks with AWS's errors, and invocations that run the handler and time out
like AWS when the network doesn't let an SDK call through.

Nothing leaves the process: every lab session has fake credentials, ignores AWS profiles, config files and
endpoint overrides, and refuses (``labkit.errors.RealAwsRefused``) any request moto does not answer.
See ``docs/lab.md``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import re
import threading
import weakref

from labkit.awslambda import mock
from labkit.awslambda.clock import LabClock, format_duration
from labkit.awslambda.errors import LabClosedError, LabError, RealAwsRefused
from labkit.awslambda.timings import Timings
from labkit.errors import did_you_mean

__all__ = ["Lab"]

_FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
_ACCOUNT_HEADER = "x-moto-account-id"
_accounts = itertools.count(1)
_accounts_lock = threading.Lock()
_loader: list = []


def _shared_loader(botocore_session):
    """One botocore data loader for every lab session: service models are parsed once per process, and
    moto answers from the same parsed models (see ``labkit.awslambda.moto_lazy.SharedModelLoader``)."""
    if not _loader:
        from labkit.awslambda.moto_lazy import SharedModelLoader

        default = botocore_session.get_component("data_loader")  # its search paths (AWS_DATA_PATH…)
        _loader.append(
            SharedModelLoader(extra_search_paths=list(default.search_paths), include_default_search_paths=False)
        )
    botocore_session.register_component("data_loader", _loader[0])


def shared_model_loader():
    """The lab sessions' data loader, or None before the first lab session."""
    return _loader[0] if _loader else None


_regions: list = []


def _known_regions() -> list[str]:
    """The AWS regions botocore knows (EC2's list), read once per process."""
    if not _regions:
        from labkit.awslambda.moto_patches import shared_session  # the session moto's region lists come from

        _regions.extend(shared_session().get_available_regions("ec2"))
    return _regions


def _next_account_id() -> str:
    with _accounts_lock:
        while True:
            candidate = f"{210000000000 + next(_accounts):012d}"
            if not mock.has_account(candidate):
                return candidate


#: Services whose changes can change the topology (the network, the functions, stacks of them).
_TOPOLOGY_SERVICES = frozenset({"ec2", "lambda", "cloudformation", "rds", "elasticache"})


def _changes_network(model) -> bool:
    """True for a call that may change what ``lab.topology()`` shows (a non-read EC2/Lambda/CloudFormation call)."""
    from labkit.vpc.importer import is_read_only

    return model.service_model.signing_name in _TOPOLOGY_SERVICES and not is_read_only(model.name)


def _cleanup(account_id: str, state: dict) -> None:
    """Release a lab's account and its hold on moto (at close, or when a lab is garbage collected)."""
    if state.get("released"):
        return
    state["released"] = True
    try:
        mock.drop_account(account_id)
    finally:
        mock.release()


class Lab:
    """An isolated offline AWS account (moto) with Lambda's VPC behaviour, driven by a lab clock.

    ``region``: the lab's region (default ``us-east-1``). ``timings``: changes to the timings table
    (``{"eni_create": "3 min"}`` or a ``labkit.awslambda.timings.Timings``). ``start``: the lab clock's
    start time (a timezone-aware datetime; default: now, to the second).

    Each lab has its own 12-digit account id (``lab.account_id``); two labs never see each other's
    resources. ``lab.close()`` (or leaving a ``with`` block) drops the account; its clients then refuse
    every call with ``labkit.errors.LabClosedError``.
    """

    def __init__(self, region: str = "us-east-1", *, timings=None, start: _dt.datetime | None = None):
        if os.environ.get("MOTO_ACCOUNT_ID"):
            raise LabError(
                f"MOTO_ACCOUNT_ID is set ({os.environ['MOTO_ACCOUNT_ID']}): moto would then put every lab in that one "
                "account and labs would see each other's resources. Unset it (del os.environ['MOTO_ACCOUNT_ID'])."
            )
        with mock.gc_paused():  # the first lab loads moto and the EC2 model: see mock.gc_paused
            self.timings = Timings.from_mapping(timings)
            self.clock = LabClock(start)
            self._region = self._check_region(region)
            self._closed = False
            mock.acquire()
            self._state = {"released": False}
            try:
                self._account_id = _next_account_id()
                mock.prepare_account(self._account_id)
            except BaseException:
                mock.release()
                raise
            self._finalizer = weakref.finalize(self, _cleanup, self._account_id, self._state)
            self._topology = None
            self._version = 0
            self._internal_session = None
            self._internal_clients: dict = {}
            from labkit.awslambda.control_plane import ControlPlane

            self.control_plane = ControlPlane(self)
            self._session = self._new_session()

    # --------------------------------------------------------------------------------------- basics

    @staticmethod
    def _check_region(region) -> str:
        if not isinstance(region, str) or not region:
            raise LabError(f"region must be an AWS region name such as 'us-east-1'; got {region!r}.")
        known = _known_regions()
        if region not in known:
            raise LabError(f"Unknown AWS region {region!r}. {did_you_mean(region, known)}")
        return region

    @property
    def region(self) -> str:
        return self._region

    @property
    def account_id(self) -> str:
        """The lab account's 12-digit id (what ``sts.get_caller_identity()`` answers)."""
        return self._account_id

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def now(self) -> _dt.datetime:
        """The lab clock's time (timezone-aware, UTC)."""
        return self.clock.now

    @property
    def session(self):
        """A ``boto3.Session`` on the lab account: everything made from it goes through the lab."""
        self._check_open()
        return self._session

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self.control_plane.records)} functions"
        return (
            f"<Lab account {self._account_id} {self._region}, lab time {self.now.isoformat()} "
            f"(+{format_duration(self.clock.elapsed)}), {state}>"
        )

    def close(self) -> None:
        """Drop the lab account's data and stop answering; its clients refuse further calls. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.control_plane.pool.forget_all()
        self._topology = None
        self._finalizer()

    def _check_open(self) -> None:
        if self._closed:
            raise LabClosedError(
                f"This lab (account {self._account_id}) is closed: its account is gone and its clients no longer "
                "answer. Create a new one: lab = lk.Lab()."
            )

    # -------------------------------------------------------------------------------------- clients

    def client(
        self, service_name: str, *, policies=None, user: str = "learner", region_name: str | None = None, **kwargs
    ):
        """A boto3 client of the lab account.

        With ``policies`` (one identity-based policy document or a list), every call is authorised by them
        as the IAM user ``user`` would be — condition keys included — and denied with AWS's error otherwise
        (see ``labkit.awslambda.permissions``).
        """
        self._check_open()
        if policies is None:
            with mock.gc_paused():
                return self._session.client(service_name, region_name=region_name or self._region, **kwargs)
        from labkit.awslambda.permissions import Principal
        from labkit.iam import parse_policies

        if not isinstance(user, str) or not re.match(r"^[\w+=,.@-]{1,64}$", user):
            raise LabError(f"user must be an IAM user name (letters, digits and +=,.@_-); got {user!r}.")
        parsed = parse_policies(policies)
        principal = Principal(self._account_id, region_name or self._region, user)
        session = self._new_session(policies=parsed, principal=principal)
        with mock.gc_paused():
            return session.client(service_name, region_name=region_name or self._region, **kwargs)

    def session_factory(self):
        """A fresh ``boto3.Session`` on the lab account (what a handler's SDK calls use during an invocation)."""
        self._check_open()
        return self._new_session()

    def internal(self, service_name: str):
        """A client the lab itself uses: lab account, no control plane, no policies (not for learners)."""
        client = self._internal_clients.get(service_name)
        if client is None:
            session = self._internal_session
            if session is None:
                session = self._internal_session = self._new_session(internal=True)
            with mock.gc_paused():
                client = session.client(service_name, region_name=self._region)
            self._internal_clients[service_name] = client
        return client

    def _new_session(self, *, policies=None, principal=None, internal: bool = False):
        import boto3
        import botocore.session

        bs = botocore.session.Session()
        _shared_loader(bs)
        # Never read the user's AWS configuration: no profile, no config files, no endpoint overrides
        # (constant providers: environment variables such as AWS_PROFILE are not even looked at).
        from botocore.configprovider import ConstantProvider

        store = bs.get_component("config_store")
        for name, value in (
            ("config_file", os.devnull),
            ("credentials_file", os.devnull),
            ("profile", None),
            ("ignore_configured_endpoint_urls", True),
            ("use_fips_endpoint", False),
            ("use_dualstack_endpoint", False),
            ("account_id_endpoint_mode", "disabled"),
            ("endpoint_url", None),
            ("region", self._region),
        ):
            store.set_config_provider(name, ConstantProvider(value))
        hooks = _Hooks(self, policies, principal)
        bs.register("request-created", hooks.account_header, unique_id="labkit-account")
        # moto's own handler answers the requests it serves; the lab's replaces it, asks moto, and refuses
        # anything moto does not answer, so no request of a lab session ever leaves the process.
        bs.unregister("before-send", mock.stubber())
        bs.register("before-send", hooks.send, unique_id="labkit-offline")
        if not internal:
            bs.register("before-parameter-build", hooks.before_parameter_build, unique_id="labkit-params")
            bs.register("before-call", hooks.before_call, unique_id="labkit-before-call")
            bs.register("after-call", hooks.after_call, unique_id="labkit-after-call")
            from labkit.awslambda import waiters

            waiters.install(bs, hooks.sleep)
        session = boto3.Session(region_name=self._region, botocore_session=bs, **_FAKE_CREDENTIALS)
        session._labkit_lab_account = self._account_id  # lets the importer tell lab sessions from others
        return session

    # ---------------------------------------------------------------------------------- lab actions

    def advance(self, duration) -> _dt.datetime:
        """Move the lab clock forward (seconds, ``"90 s"``, ``"2 min"``, ``"3 weeks"``, a ``timedelta``);
        everything due meanwhile happens, in order. Returns the new ``lab.now``."""
        self._check_open()
        self.clock.advance(duration)
        return self.now

    def upcoming(self) -> list[tuple[str, str]]:
        """What will happen when the clock moves: (in how long, what), soonest first."""
        return [(format_duration(wait), label) for wait, label in self.clock.pending()]

    def deploy(self, template, parameters=None, *, name: str | None = None):
        """Deploy a CloudFormation template (path, text, or ``"vpc-private"`` / ``"vpc-privatepublic"``) and
        return the ``Stack`` (``outputs``, ``resources``, ``name``). See ``labkit.awslambda.deploy``."""
        self._check_open()
        from labkit.awslambda.deploy import deploy

        return deploy(self, template, parameters, name=name)

    def topology(self):
        """The lab account as a ``labkit.Topology`` (cached until something changes)."""
        self._check_open()
        if self._topology is None:
            from labkit.vpc.model import Topology

            version = self._version
            topology = Topology.from_boto3(self._session)
            if version == self._version:
                self._topology = topology
            return topology
        return self._topology

    def changed(self) -> None:
        """Something in the account changed: forget the cached topology."""
        self._version += 1
        self._topology = None


def _service_of(request) -> str:
    """The service a request goes to, by its host (``ec2.us-east-1.amazonaws.com`` → ``ec2``)."""
    host = str(getattr(request, "url", "")).split("://", 1)[-1]
    return host.split(".", 1)[0].split("/", 1)[0]


class _Hooks:
    """The botocore event handlers of one lab session (they hold the lab weakly)."""

    def __init__(self, lab: Lab, policies, principal):
        self._lab = weakref.ref(lab)
        self._account = lab.account_id
        self.policies = policies
        self.principal = principal

    def _get_lab(self) -> Lab:
        lab = self._lab()
        if lab is None or lab.closed:
            raise LabClosedError(
                f"This lab (account {self._account}) is closed: its account is gone and its clients no longer "
                "answer. Create a new one: lab = lk.Lab()."
            )
        return lab

    def account_header(self, request, **kwargs) -> None:
        request.headers[_ACCOUNT_HEADER] = self._account

    def send(self, request, event_name: str = "before-send", **kwargs):
        url = getattr(request, "url", "?")
        if not mock.is_active():
            raise RealAwsRefused(
                f"The lab refused to send a request to {url}: moto is not running, so it would reach real AWS. "
                "Use a lab that is open (lk.Lab()), and only its clients."
            )
        with mock.gc_paused(first_use=_service_of(request)):  # moto loads the service on its first request
            response = mock.stubber()(event_name, request)
        if response is None:
            raise RealAwsRefused(
                f"The lab refused to send a request to {url}: the offline account does not serve it, and the lab "
                "never contacts real AWS."
            )
        return response

    def before_parameter_build(self, params, context, **kwargs) -> None:
        self._get_lab()
        context["labkit_params"] = dict(params)

    def before_call(self, model, params, context, **kwargs):
        lab = self._get_lab()
        operation = model.name
        if _changes_network(model):
            lab.changed()
        with mock.gc_paused(first_use=f"control:{model.service_model.signing_name}"):
            return lab.control_plane.before_call(
                model.service_model.signing_name,
                operation,
                context.get("labkit_params") or {},
                policies=self.policies,
                principal=self.principal,
            )

    def after_call(self, http_response, parsed, model, context, **kwargs) -> None:
        lab = self._lab()
        if lab is None or lab.closed:
            return
        operation = model.name
        lab.control_plane.after_call(
            model.service_model.signing_name, operation, context.get("labkit_params") or {}, http_response, parsed
        )
        if _changes_network(model):
            lab.changed()

    def sleep(self, seconds: float) -> None:
        self._get_lab().clock.advance(seconds)
