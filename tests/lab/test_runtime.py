"""labkit.awslambda.runtime: a handler from a .zip, run in-process, its AWS calls gated by reachability."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import socket
import sys
import textwrap
import time
import types
import zipfile

import boto3
import botocore.client
import botocore.session
import pytest

from labkit.awslambda import runtime
from labkit.awslambda.runtime import DeploymentPackageError, InvokeRequestError, run_handler
from labkit.errors import LabkitError
from labkit.vpc.results import Blocker, BlockerCode, Hop, Path, Trace

LAB_ACCOUNT = "111122223333"
REGION = "us-east-1"


def arn(name: str = "fn") -> str:
    return f"arn:aws:lambda:{REGION}:{LAB_ACCOUNT}:function:{name}"


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, source in files.items():
            z.writestr(name, textwrap.dedent(source))
    return buf.getvalue()


def blocked(destination: str = "s3") -> Trace:
    """A real labkit trace: a private subnet whose route table has no route to the destination."""
    blocker = Blocker(
        BlockerCode.NO_ROUTE,
        "rtb-0abc",
        f"the route table has no route to {destination}",
        fix="add a gateway endpoint for S3 to rtb-0abc",
    )
    hop = Hop("route-table", "rtb-0abc", False, f"no route matches {destination}")
    return Trace(source="fn", destination=destination, paths=(Path("subnet-0a", (hop,), blocked_by=blocker),))


class Gate:
    """Records what it was asked; answers with the trace given for a destination, else None (open)."""

    def __init__(self, **blocked_destinations):
        self.blocked = blocked_destinations
        self.asked: list[str] = []

    def __call__(self, destination: str):
        self.asked.append(destination)
        return self.blocked.get(destination)


def _add_lab_account(request, **kwargs):
    request.headers["x-moto-account-id"] = LAB_ACCOUNT


@pytest.fixture
def lab_factory(session):
    """Like the lab: sessions whose requests carry the lab's account header (not moto's default account)."""
    loader = session._session.get_component("data_loader")

    def factory():
        bs = botocore.session.get_session()
        bs.register_component("data_loader", loader)
        bs.get_component("event_emitter").register_first("before-sign", _add_lab_account)
        return boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=REGION,
            botocore_session=bs,
        )

    return factory


@pytest.fixture(autouse=True)
def _fresh_environments():
    yield
    runtime.discard_environments()


def invoke(
    files,
    handler="app.handler",
    event=None,
    *,
    gate=None,
    factory=None,
    name="fn",
    timeout_s=30,
    memory_mb=128,
    environment=None,
    code=None,
):
    return run_handler(
        code if code is not None else make_zip(files),
        handler,
        {} if event is None else event,
        function_name=name,
        function_arn=arn(name),
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        environment=environment or {},
        session_factory=factory
        or (lambda: boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)),
        gate=gate or Gate(),
    )


def body(result):
    return json.loads(result.payload)


# ------------------------------------------------------------------------------------ return and event


def test_return_value_becomes_the_json_payload():
    result = invoke(
        {
            "app.py": """
        def handler(event, context):
            return {"ok": True, "n": 3}
    """
        }
    )
    assert result.status_code == 200
    assert result.function_error is None
    assert result.payload == b'{"ok": true, "n": 3}'
    assert not result.timed_out and result.blocked_by is None
    assert 0 <= result.duration_s < 3


@pytest.mark.parametrize(
    "event, expected",
    [
        ({"a": [1, 2]}, {"a": [1, 2]}),
        ([1, "x"], [1, "x"]),
        ("plain string", "plain string"),
        (b'{"from": "bytes"}', {"from": "bytes"}),
        (b"", {}),
    ],
    ids=["dict", "list", "str", "json-bytes", "empty-payload"],
)
def test_event_reaches_the_handler_as_decoded_json(event, expected):
    result = invoke({"app.py": "def handler(event, context):\n    return event\n"}, event=event)
    assert body(result) == expected


def test_the_handler_gets_its_own_copy_of_the_event():
    event = {"items": [1]}
    invoke({"app.py": "def handler(event, context):\n    event['items'].append(2)\n"}, event=event)
    assert event == {"items": [1]}


@pytest.mark.parametrize("event", [b"{not json", {"x": {1, 2}}], ids=["bad-bytes", "not-serialisable"])
def test_an_event_that_is_not_json_is_refused(event):
    with pytest.raises(InvokeRequestError) as info:
        invoke({"app.py": "def handler(event, context):\n    return 1\n"}, event=event)
    assert isinstance(info.value, LabkitError) and isinstance(info.value, ValueError)


def test_context_is_like_lambdas(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(runtime.context, "_clock", clock)
    result = invoke(
        {
            "app.py": """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
    """
        },
        name="orders",
        memory_mb=256,
        timeout_s=7,
    )
    ctx = body(result)
    assert ctx["function_name"] == "orders"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == arn("orders")
    assert ctx["memory_limit_in_mb"] == "256"  # a string, as the Python runtime gives it
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", ctx["aws_request_id"])
    assert ctx["log_group_name"] == "/aws/lambda/orders"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", ctx["log_stream_name"])
    assert ctx["remaining"] == 7000
    assert f"START RequestId: {ctx['aws_request_id']} Version: $LATEST" in result.log


def test_decimal_is_a_number_and_bytes_are_returned_as_they_are():
    numbers = invoke(
        {
            "app.py": """
        from decimal import Decimal
        def handler(event, context):
            return {"count": Decimal("3"), "price": Decimal("2.5")}
    """
        }
    )
    assert body(numbers) == {"count": 3, "price": 2.5}
    raw = invoke({"app.py": "def handler(event, context):\n    return b'\\x00raw'\n"}, name="raw")
    assert raw.payload == b"\x00raw" and raw.function_error is None


# ------------------------------------------------------------------------------------------------ logs


def test_print_and_logging_go_to_the_log_in_lambdas_format(capsys):
    result = invoke(
        {
            "app.py": """
        import logging, sys
        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        def handler(event, context):
            print("hello from print")
            print("to stderr", file=sys.stderr)
            logger.info("an info line")
            logging.getLogger("app.db").debug("not shown: below INFO")
            return context.aws_request_id
    """
        }
    )
    request_id = body(result)
    lines = result.log.splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "hello from print" in lines and "to stderr" in lines
    info = [line for line in lines if line.startswith("[INFO]")]
    assert len(info) == 1
    assert re.fullmatch(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tan info line", info[0])
    assert "not shown" not in result.log
    assert lines[-2] == f"END RequestId: {request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
        r"Init Duration: \d+\.\d\d ms\t",
        lines[-1],
    )
    out = capsys.readouterr()
    assert "hello from print" not in out.out and "to stderr" not in out.err


def test_the_root_logger_is_lambdas_while_the_handler_runs_and_the_callers_afterwards():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    result = invoke(
        {
            "app.py": """
        import logging
        logging.basicConfig(level=logging.DEBUG)  # no effect on Lambda: the root logger already has a handler
        def handler(event, context):
            logging.warning("careful")
            logging.info("hidden at the default WARNING level")
            return len(logging.getLogger().handlers)
    """
        }
    )
    assert body(result) == 1
    assert "careful" in result.log and "hidden" not in result.log
    assert root.handlers == handlers and root.level == level


def test_root_logger_changes_made_by_the_function_last_like_on_lambda():
    files = {
        "app.py": """
        import logging
        root = logging.getLogger()
        for h in list(root.handlers):
            root.removeHandler(h)  # a common idiom: drop Lambda's handler, then configure your own format
        logging.basicConfig(format="%(levelname)s|%(message)s", level=logging.INFO)
        def handler(event, context):
            logging.info("event %s", event["n"])
    """
    }
    first, second = invoke(files, event={"n": 1}), invoke(files, event={"n": 2})
    assert "INFO|event 1" in first.log.splitlines()
    assert [line for line in second.log.splitlines() if "event 2" in line] == ["INFO|event 2"]


def test_a_warm_environment_keeps_module_state_and_has_no_init_duration():
    files = {
        "app.py": """
        import logging
        logging.getLogger().setLevel(logging.INFO)
        calls = []
        def handler(event, context):
            calls.append(1)
            logging.info("call %d", len(calls))
            return len(calls)
    """
    }
    first, second = invoke(files), invoke(files)
    assert (body(first), body(second)) == (1, 2)
    assert "Init Duration" in first.log and "Init Duration" not in second.log
    assert "call 2" in second.log  # the level the module set at init still holds


def test_a_configuration_change_starts_a_new_environment():
    files = {"app.py": "calls = []\ndef handler(event, context):\n    calls.append(1)\n    return len(calls)\n"}
    assert body(invoke(files)) == 1
    assert body(invoke(files)) == 2
    assert body(invoke(files, environment={"STAGE": "prod"})) == 1


# ---------------------------------------------------------------------------------------------- errors


def test_an_exception_is_an_unhandled_function_error_with_lambdas_error_object():
    result = invoke(
        {
            "app.py": """
        def handler(event, context):
            raise ValueError("no such order: 42")
    """
        }
    )
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    error = body(result)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "no such order: 42"
    assert re.fullmatch(r"[0-9a-f-]{36}", error["requestId"])
    assert error["stackTrace"] == [
        '  File "/var/task/app.py", line 3, in handler\n    raise ValueError("no such order: 42")\n'
    ]
    assert "[ERROR] ValueError: no such order: 42\nTraceback (most recent call last):\n" in result.log
    assert not result.timed_out


@pytest.mark.parametrize(
    "files, handler, error_type, message",
    [
        (
            {"app.py": "x = 1\n"},
            "nope.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'nope': No module named 'nope'",
        ),
        (
            {"app.py": "import not_packaged_dependency\n"},
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_packaged_dependency'",
        ),
        (
            {"app.py": "def other(event, context):\n    pass\n"},
            "app.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'app'",
        ),
        (
            {"app.py": "x = 1\n"},
            "app",
            "Runtime.MalformedHandlerName",
            "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
        ),
        (
            {"app.py": "x = 1\n"},
            "sys.handler",
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys as a handler module",
        ),
    ],
    ids=["missing-module", "missing-dependency", "missing-function", "malformed-handler", "builtin-module"],
)
def test_handler_loading_errors_are_lambdas_runtime_errors(files, handler, error_type, message):
    result = invoke(files, handler=handler)
    assert result.function_error == "Unhandled"
    assert body(result) == {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": []}
    assert f"[ERROR] {error_type}: {message}" in result.log


def test_a_syntax_error_is_runtime_user_code_syntax_error():
    result = invoke({"app.py": "def handler(event, context)\n    return 1\n"})
    error = body(result)
    assert error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert error["errorMessage"].startswith("Syntax error in module 'app': ")
    assert error["stackTrace"] == ['  File "/var/task/app.py" Line 1\n    def handler(event, context)']


def test_an_init_error_is_retried_on_the_next_invocation():
    files = {"app.py": "raise RuntimeError('config missing')\n"}
    first = invoke(files)
    assert body(first)["errorType"] == "RuntimeError" and body(first)["requestId"] == ""
    second = invoke(files)
    assert body(second)["errorMessage"] == "config missing"
    assert "Init Duration" in second.log


def test_a_handler_in_a_subdirectory():
    result = invoke(
        {"src/handlers/orders.py": "def handler(event, context):\n    return 'orders'\n"},
        handler="src/handlers/orders.handler",
    )
    assert body(result) == "orders"


def test_a_return_value_that_is_not_json_is_a_marshal_error():
    result = invoke({"app.py": "def handler(event, context):\n    return {1, 2}\n"})
    error = body(result)
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"
    assert error["requestId"] and error["stackTrace"] == []


def test_sys_exit_is_a_runtime_exit_error_and_resets_the_environment():
    files = {
        "app.py": "import sys\ncalls = []\ndef handler(event, context):\n    calls.append(1)\n"
        "    if event['exit']:\n        sys.exit(3)\n    return len(calls)\n"
    }
    assert body(invoke(files, event={"exit": False})) == 1
    crashed = invoke(files, event={"exit": True})
    assert crashed.function_error == "Unhandled"
    assert body(crashed)["errorType"] == "Runtime.ExitError"
    assert body(crashed)["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    assert body(invoke(files, event={"exit": False})) == 1  # a new environment: module state is gone


@pytest.mark.parametrize("code", [b"not a zip at all", b"", b"PK\x03\x04broken"], ids=["text", "empty", "truncated"])
def test_bad_zip_bytes_are_a_labkit_error(code):
    with pytest.raises(DeploymentPackageError) as info:
        invoke({}, code=code)
    assert isinstance(info.value, LabkitError) and isinstance(info.value, ValueError)
    assert "not a valid .zip deployment package" in str(info.value)


# ---------------------------------------------------------------------------------------------- SDK calls


S3_HANDLER = {
    "app.py": """
    import boto3
    def handler(event, context):
        s3 = boto3.client("s3")
        listed = s3.list_objects_v2(Bucket=event["bucket"])
        return [o["Key"] for o in listed.get("Contents", [])]
"""
}


def test_an_sdk_call_is_served_by_the_lab_when_the_path_is_open(lab_factory):
    s3 = lab_factory().client("s3")
    s3.create_bucket(Bucket="orders")
    s3.put_object(Bucket="orders", Key="a.json", Body=b"{}")
    gate = Gate()
    result = invoke(S3_HANDLER, event={"bucket": "orders"}, gate=gate, factory=lab_factory)
    assert result.function_error is None, result.payload
    assert body(result) == ["a.json"]
    assert gate.asked == ["s3"]


def test_sessions_the_handler_creates_reach_the_labs_account(lab_factory, session):
    lab_factory().client("s3").create_bucket(Bucket="lab-only")
    assert session.client("s3").list_buckets()["Buckets"] == []  # moto's default account: not the lab's
    gate = Gate()
    result = invoke(
        {
            "app.py": """
        import boto3, botocore.session
        def handler(event, context):
            fresh = boto3.Session().client("s3").list_buckets()
            regional = boto3.Session(region_name="eu-west-1").client("sts").get_caller_identity()
            bare = botocore.session.get_session().create_client("s3").list_buckets()
            resource = [b.name for b in boto3.resource("s3").buckets.all()]
            return {"fresh": [b["Name"] for b in fresh["Buckets"]], "account": regional["Account"],
                    "bare": [b["Name"] for b in bare["Buckets"]], "resource": resource}
    """
        },
        gate=gate,
        factory=lab_factory,
    )
    assert body(result) == {
        "fresh": ["lab-only"],
        "account": LAB_ACCOUNT,
        "bare": ["lab-only"],
        "resource": ["lab-only"],
    }
    assert gate.asked == ["s3", "sts", "s3", "s3"]


def test_a_blocked_sdk_call_hangs_until_the_timeout(lab_factory):
    lab_factory().client("s3").create_bucket(Bucket="orders")
    trace = blocked("s3")
    result = invoke(
        {
            "app.py": """
        import boto3
        def handler(event, context):
            print("listing")
            try:
                boto3.client("s3").list_objects_v2(Bucket="orders")
            except Exception:
                return "swallowed"
            return "listed"
    """
        },
        gate=Gate(s3=trace),
        factory=lab_factory,
        timeout_s=3,
    )
    assert result.timed_out
    assert result.status_code == 200 and result.function_error == "Unhandled"
    assert result.duration_s == 3
    assert result.blocked_by is trace
    error = body(result)
    assert list(error) == ["errorMessage"]
    request_id = re.search(r"START RequestId: (\S+)", result.log).group(1)
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {request_id} Task timed out after 3\.00 seconds",
        error["errorMessage"],
    )
    lines = result.log.splitlines()
    assert "listing" in lines
    hung = [line for line in lines if line.startswith("labkit:")]
    assert len(hung) == 1
    assert "s3 ListObjectsV2 call" in hung[0] and "NO_ROUTE at rtb-0abc" in hung[0]
    assert "Fix: add a gateway endpoint for S3 to rtb-0abc" in hung[0]
    assert f"REPORT RequestId: {request_id}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t" in result.log
    assert lines[-1] == error["errorMessage"]


def test_even_a_bare_except_cant_outlive_a_hung_call(lab_factory):
    result = invoke(
        {
            "app.py": """
        import boto3
        def handler(event, context):
            try:
                boto3.client("dynamodb").list_tables()
            except:  # noqa: E722
                print("after the hang: never happens on AWS")
            return "finished"
    """
        },
        gate=Gate(dynamodb=blocked("dynamodb")),
        factory=lab_factory,
        timeout_s=5,
    )
    assert result.timed_out and "Task timed out after 5.00 seconds" in body(result)["errorMessage"]
    assert "never happens" not in result.log
    assert result.blocked_by.destination == "dynamodb"


def test_a_client_timeout_shorter_than_the_functions_gives_an_error_and_costs_lab_time(lab_factory):
    result = invoke(
        {
            "app.py": """
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ConnectTimeoutError
        def handler(event, context):
            sm = boto3.client("secretsmanager", config=Config(connect_timeout=2, retries={"total_max_attempts": 2}))
            try:
                sm.list_secrets()
            except ConnectTimeoutError as e:
                return {"error": str(e), "remaining_ms": context.get_remaining_time_in_millis()}
    """
        },
        gate=Gate(secretsmanager=blocked("secretsmanager")),
        factory=lab_factory,
        timeout_s=10,
    )
    assert not result.timed_out and result.function_error is None
    answer = body(result)
    assert answer["error"].startswith("Connect timeout on endpoint URL")
    assert answer["remaining_ms"] <= 6000
    assert result.duration_s >= 4


def test_a_hung_call_in_a_worker_thread_times_the_function_out(lab_factory):
    result = invoke(
        {
            "app.py": """
        import boto3
        from concurrent.futures import ThreadPoolExecutor
        def handler(event, context):
            with ThreadPoolExecutor(2) as pool:
                future = pool.submit(lambda: boto3.client("s3").list_buckets())
                try:
                    future.result()
                except Exception as e:
                    return f"caught {type(e).__name__}"
    """
        },
        gate=Gate(s3=blocked("s3")),
        factory=lab_factory,
    )
    assert result.timed_out and result.blocked_by.destination == "s3"


def test_a_failing_gate_is_the_labs_error_not_the_handlers(lab_factory):
    def broken_gate(destination):
        raise KeyError("topology not loaded")

    environ, make_api_call = dict(os.environ), botocore.client.BaseClient._make_api_call
    with pytest.raises(KeyError, match="topology not loaded"):
        invoke(
            {
                "app.py": """
            import boto3
            def handler(event, context):
                try:
                    boto3.client("s3").list_buckets()
                except Exception:
                    return "swallowed"
        """
            },
            gate=broken_gate,
            factory=lab_factory,
        )
    assert dict(os.environ) == environ and botocore.client.BaseClient._make_api_call is make_api_call


def test_a_request_that_would_leave_the_machine_is_refused_with_an_explanation(lab_factory):
    result = invoke(
        {
            "app.py": """
        import boto3
        def handler(event, context):
            try:
                boto3.client("s3", endpoint_url="https://storage.example.com").list_buckets()
            except Exception as e:
                return str(e)
    """
        },
        factory=lab_factory,
    )
    message = body(result)
    assert "labkit lab: a request tried to leave the machine for storage.example.com" in message
    assert "Nothing was sent." in message


# ------------------------------------------------------------------------------------------- raw network


def test_a_raw_connection_to_the_internet_hangs_when_the_path_is_blocked():
    gate = Gate(internet=blocked("internet"))
    result = invoke(
        {
            "app.py": """
        import socket
        def handler(event, context):
            try:
                socket.create_connection(("api.example.com", 443))
            except Exception as e:
                return repr(e)
    """
        },
        gate=gate,
        timeout_s=4,
    )
    assert result.timed_out and result.duration_s == 4
    assert result.blocked_by is gate.blocked["internet"]
    assert gate.asked == ["internet"]
    hung = [line for line in result.log.splitlines() if line.startswith("labkit:")]
    assert len(hung) == 1 and "api.example.com" in hung[0] and "NO_ROUTE" in hung[0]


def test_a_raw_connection_with_an_open_path_says_the_lab_has_no_internet():
    result = invoke(
        {
            "app.py": """
        import urllib.request
        def handler(event, context):
            try:
                urllib.request.urlopen("https://example.com/")
            except Exception as e:
                return str(e)
    """
        },
        gate=Gate(),
    )
    assert not result.timed_out
    message = body(result)
    assert "labkit lab: the network path to the internet is open, but the lab has no real internet" in message
    assert "example.com" in message


def test_a_socket_timeout_shorter_than_the_functions_raises_timeout_error():
    result = invoke(
        {
            "app.py": """
        import socket
        def handler(event, context):
            try:
                socket.create_connection(("203.0.113.10", 5432), timeout=1.5)
            except TimeoutError as e:
                return str(e)
    """
        },
        gate=Gate(internet=blocked("internet")),
        timeout_s=3,
    )
    assert body(result) == "timed out" and not result.timed_out
    assert result.duration_s >= 1.5


def test_loopback_connections_are_not_gated():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        gate = Gate(internet=blocked("internet"))
        result = invoke(
            {
                "app.py": """
            import socket
            def handler(event, context):
                with socket.create_connection(("127.0.0.1", event["port"]), timeout=2):
                    return "connected"
        """
            },
            event={"port": server.getsockname()[1]},
            gate=gate,
        )
    finally:
        server.close()
    assert body(result) == "connected" and gate.asked == []


# ------------------------------------------------------------------------------------- time and timeouts


class FakeClock:
    """Stands in for the lab's clock and for real sleeping: no test waits."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_sleep_past_the_deadline_stops_the_handler_at_the_timeout(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(runtime.context, "_clock", clock)
    monkeypatch.setattr(runtime.context, "_real_sleep", clock.sleep)
    result = invoke(
        {
            "app.py": """
        import time
        def handler(event, context):
            time.sleep(1)
            print("slept 1")
            time.sleep(5)
            print("never printed")
    """
        },
        timeout_s=3,
    )
    assert result.timed_out and result.blocked_by is None and result.duration_s == 3
    assert "slept 1" in result.log and "never printed" not in result.log
    assert "time.sleep(5)" in result.log
    assert body(result)["errorMessage"].endswith("Task timed out after 3.00 seconds")


def test_a_handler_that_ran_too_long_in_real_time_is_reported_as_timed_out(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(runtime.context, "_clock", clock)
    ticker = types.ModuleType("labkit_test_ticker")
    ticker.advance = lambda seconds: setattr(clock, "now", clock.now + seconds)
    monkeypatch.setitem(sys.modules, "labkit_test_ticker", ticker)
    result = invoke(
        {
            "app.py": """
        import labkit_test_ticker
        def handler(event, context):
            labkit_test_ticker.advance(4.5)  # a long computation
            return "done late"
    """
        },
        timeout_s=3,
    )
    assert result.timed_out and result.duration_s == 3 and result.blocked_by is None
    assert "Task timed out after 3.00 seconds" in body(result)["errorMessage"]
    assert "past its 3-second timeout" in result.log


# ------------------------------------------------------------------------------------- isolation


def test_environment_variables_during_the_call_and_restored_after():
    before = dict(os.environ)
    result = invoke(
        {
            "app.py": """
        import os
        def handler(event, context):
            os.environ["SET_BY_HANDLER"] = "1"
            return {k: os.environ.get(k) for k in (
                "TABLE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER", "MOTO_ACCOUNT_ID",
                "AWS_EXECUTION_ENV", "AWS_PROFILE")}
    """
        },
        environment={"TABLE": "orders"},
        memory_mb=512,
    )
    seen = body(result)
    assert seen["TABLE"] == "orders"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == REGION
    assert seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert seen["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert seen["AWS_ACCESS_KEY_ID"] == seen["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert seen["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert seen["_HANDLER"] == "app.handler"
    assert seen["MOTO_ACCOUNT_ID"] == LAB_ACCOUNT
    assert seen["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python3.")
    assert seen["AWS_PROFILE"] is None
    assert dict(os.environ) == before


def test_everything_is_restored_even_when_the_handler_fails(lab_factory):
    before_env, before_path = dict(os.environ), list(sys.path)
    before_stdout, before_default = sys.stdout, boto3.DEFAULT_SESSION
    result = invoke(
        {
            "app.py": """
        import os, sys, boto3
        def handler(event, context):
            sys.path.append("/somewhere")
            os.environ["LEAK"] = "1"
            boto3.setup_default_session(region_name="eu-west-1")
            raise RuntimeError("after changing things")
    """
        },
        factory=lab_factory,
    )
    assert body(result)["errorType"] == "RuntimeError"
    assert dict(os.environ) == before_env and sys.path == before_path
    assert sys.stdout is before_stdout and boto3.DEFAULT_SESSION is before_default


def test_sys_modules_and_sys_path_are_restored():
    files = {
        "app.py": "import helper\ndef handler(event, context):\n    return helper.VALUE\n",
        "helper.py": "VALUE = 'from the zip'\n",
    }
    invoke({"warmup.py": "def handler(event, context):\n    return 1\n"}, handler="warmup.handler", name="warm")
    modules, path = set(sys.modules), list(sys.path)
    assert body(invoke(files)) == "from the zip"
    assert set(sys.modules) == modules and sys.path == path
    assert "helper" not in sys.modules and "app" not in sys.modules


def test_a_callers_module_with_the_same_name_is_hidden_then_put_back(monkeypatch):
    mine = types.ModuleType("app")
    monkeypatch.setitem(sys.modules, "app", mine)
    result = invoke({"app.py": "def handler(event, context):\n    return 'the function'\n"})
    assert body(result) == "the function"
    assert sys.modules["app"] is mine


def test_two_functions_with_the_same_module_name_are_isolated():
    a = {"app.py": "import util\ndef handler(event, context):\n    return util.NAME\n", "util.py": "NAME = 'A'\n"}
    b = {"app.py": "import util\ndef handler(event, context):\n    return util.NAME\n", "util.py": "NAME = 'B'\n"}
    answers = [body(invoke(a, name="fa")), body(invoke(b, name="fb")), body(invoke(a, name="fa"))]
    assert answers == ["A", "B", "A"]


def test_new_code_for_the_same_function_is_loaded_fresh():
    v1 = {"app.py": "def handler(event, context):\n    return 'v1'\n"}
    v2 = {"app.py": "def handler(event, context):\n    return 'v2'\n"}
    assert [body(invoke(v1)), body(invoke(v2)), body(invoke(v2))] == ["v1", "v2", "v2"]


def test_a_bundled_boto3_is_not_used(lab_factory):
    result = invoke(
        {
            "boto3/__init__.py": "raise ImportError('the bundled copy')\n",
            "app.py": "import boto3\ndef handler(event, context):\n    return boto3.__name__\n",
        },
        factory=lab_factory,
    )
    assert body(result) == "boto3"
    assert "includes its own boto3; the lab's boto3 is used" in result.log


def test_nothing_is_gated_or_patched_after_the_invocation(lab_factory):
    originals = (botocore.client.BaseClient._make_api_call, socket.getaddrinfo, time.sleep)
    gate = Gate(s3=blocked("s3"))
    result = invoke(S3_HANDLER, event={"bucket": "orders"}, gate=gate, factory=lab_factory)
    assert result.timed_out and gate.asked == ["s3"]
    assert lab_factory().client("s3").list_buckets()["Buckets"] == []  # served, not gated
    assert gate.asked == ["s3"]
    assert (botocore.client.BaseClient._make_api_call, socket.getaddrinfo, time.sleep) == originals
    assert "connect" not in vars(socket.socket) and "sendto" not in vars(socket.socket)
    assert "MOTO_ACCOUNT_ID" not in os.environ


def test_a_handler_can_invoke_another_function_in_the_lab(lab_factory, monkeypatch):
    inner = make_zip(
        {
            "inner.py": "import boto3, os\ndef handler(event, context):\n"
            "    print('OUTER_ONLY=' + os.environ.get('OUTER_ONLY', 'unset'))\n"
            "    return boto3.client('s3').list_buckets()['Buckets']\n"
        }
    )
    outer = {
        "app.py": """
        import base64, boto3
        import labkit_test_inner
        from labkit.awslambda.runtime import run_handler
        def handler(event, context):
            inner = run_handler(base64.b64decode(event["zip"]), "inner.handler", {}, function_name="inner",
                                function_arn=context.invoked_function_arn.replace(":fn", ":inner"),
                                timeout_s=2, memory_mb=128, environment={}, session_factory=boto3.Session,
                                gate=labkit_test_inner.gate)
            return {"inner_timed_out": inner.timed_out,
                    "inner_saw": [l for l in inner.log.splitlines() if l.startswith("OUTER_ONLY=")],
                    "outer_buckets": boto3.client("s3").list_buckets()["Buckets"]}
    """
    }
    inner_gate = types.ModuleType("labkit_test_inner")
    inner_gate.gate = Gate(s3=blocked("s3"))
    monkeypatch.setitem(sys.modules, "labkit_test_inner", inner_gate)
    outer_gate = Gate()
    result = invoke(
        outer,
        event={"zip": base64.b64encode(inner).decode()},
        gate=outer_gate,
        factory=lab_factory,
        environment={"OUTER_ONLY": "1"},
    )
    assert body(result) == {"inner_timed_out": True, "inner_saw": ["OUTER_ONLY=unset"], "outer_buckets": []}
    assert inner_gate.gate.asked == ["s3"] and outer_gate.asked == ["s3"]
