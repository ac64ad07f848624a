"""``labkit reach`` on a real-account set-up that can't be used: one clear line and exit 2, never a traceback,
never a hang. Every test runs with isolated AWS config files, fake credentials and endpoints on 127.0.0.1
(a refused port, or a server that accepts and never answers): nothing reaches AWS or 169.254.169.254."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from labkit.cli import aws, main
from labkit.errors import AwsSetupError

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["reach", "my-function", "internet", "--region", "us-east-1"]

_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "LABKIT_AWS_TIMEOUT",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
)


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def aws_home(tmp_path, monkeypatch):
    """Isolated AWS config files (returned: write into them), fake credentials, a refused local endpoint."""
    for name in list(os.environ):
        if name in _AWS_VARIABLES or name.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("")
    credentials.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{refused_port()}")
    return config


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clear_line(code, out, err, *words):
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labkit: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


# ------------------------------------------------------------------------------ set-up problems


def test_aws_profile_variable_naming_a_missing_profile(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("AWS_PROFILE", "nope")
    assert_one_clear_line(*run(capsys, *ARGS), "'nope'", "AWS_PROFILE", "aws configure --profile nope")


def test_profile_flag_naming_a_missing_profile_lists_the_known_ones(aws_home, capsys):
    aws_home.write_text("[profile dev]\nregion = us-east-1\n")
    assert_one_clear_line(*run(capsys, *ARGS, "--profile", "prod"), "'prod'", "known profiles: dev")


def test_failing_credential_process(aws_home, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws_home.write_text(f'[profile broken]\ncredential_process = {sys.executable} -c "raise SystemExit(3)"\n')
    assert_one_clear_line(*run(capsys, *ARGS, "--profile", "broken"), "credential")


def test_missing_source_profile(aws_home, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws_home.write_text("[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = gone\n")
    assert_one_clear_line(*run(capsys, *ARGS, "--profile", "role"), "gone", "source_profile")


def test_garbage_config_file(aws_home, capsys):
    aws_home.write_bytes(b"[[[ not ini\n= = =\n\x00\x01")
    assert_one_clear_line(*run(capsys, *ARGS), "config file", "AWS_CONFIG_FILE")


def test_endpoint_url_that_is_not_a_url(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not a url")
    assert_one_clear_line(*run(capsys, *ARGS), "AWS_ENDPOINT_URL='not a url' is not a URL", "unset AWS_ENDPOINT_URL")


def test_max_attempts_that_is_not_a_number(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "lots")
    assert_one_clear_line(*run(capsys, *ARGS), "AWS_MAX_ATTEMPTS='lots'", "AWS_MAX_ATTEMPTS=3")


def test_retry_mode_that_does_not_exist(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("AWS_RETRY_MODE", "forever")
    assert_one_clear_line(*run(capsys, *ARGS), "AWS_RETRY_MODE='forever'", "standard")


def test_refused_https_proxy(aws_home, monkeypatch, capsys):
    proxy = f"http://127.0.0.1:{refused_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"https://127.0.0.1:{refused_port()}")
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    assert_one_clear_line(*run(capsys, *ARGS), f"The proxy {proxy}", "HTTPS_PROXY")


def test_endpoint_that_refuses_connections(aws_home, capsys):
    assert_one_clear_line(*run(capsys, *ARGS, "--timeout", "2"), "127.0.0.1", "--timeout")


def test_bad_timeout_variable(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("LABKIT_AWS_TIMEOUT", "soon")
    assert_one_clear_line(*run(capsys, *ARGS), "LABKIT_AWS_TIMEOUT", "'soon'")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "abc", "1e9"])
def test_bad_timeout_flag_is_a_usage_error(aws_home, capsys, value):
    with pytest.raises(SystemExit) as exit_:
        main([*ARGS, "--timeout", value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "--timeout must be a number of seconds above 0" in err


def test_debug_shows_the_traceback_behind_a_setup_problem(aws_home, monkeypatch, capsys):
    monkeypatch.setenv("AWS_PROFILE", "nope")
    code, out, err = run(capsys, *ARGS, "--debug")
    assert code == 2
    assert "Traceback" in err and "ProfileNotFound" in err
    assert err.strip().splitlines()[-1].startswith("labkit: error: AWS profile 'nope'")


# ------------------------------------------------------------------------------ time limits and retries


def test_timeouts_default_then_variable_then_flag(monkeypatch):
    monkeypatch.delenv(aws.TIMEOUT_ENV, raising=False)
    assert aws.timeouts() == (aws.CONNECT_TIMEOUT, aws.READ_TIMEOUT) == (5.0, 10.0)
    monkeypatch.setenv(aws.TIMEOUT_ENV, "3")
    assert aws.timeouts() == (3.0, 3.0)
    assert aws.timeouts(1.5) == (1.5, 1.5)


def _config_of_session(**kwargs):
    session = aws.make_session(None, "us-east-1", **kwargs)
    client = session.client("sts")
    return client.meta.config


def test_clients_get_the_time_limits_and_bounded_retries(aws_home):
    config = _config_of_session(timeout=None)
    assert (config.connect_timeout, config.read_timeout) == (5.0, 10.0)
    assert config.retries["total_max_attempts"] == aws.MAX_ATTEMPTS == 2
    assert config.retries["mode"] == "standard"
    assert _config_of_session(timeout=1.0).read_timeout == 1.0


def test_the_users_retry_settings_are_respected(aws_home, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    config = _config_of_session()
    assert config.retries["total_max_attempts"] == 7
    assert config.retries["mode"] == "adaptive"


def test_retry_settings_of_the_config_file_are_respected(aws_home):
    aws_home.write_text("[default]\nmax_attempts = 4\nretry_mode = legacy\n")
    config = _config_of_session()
    assert config.retries["total_max_attempts"] == 4
    assert config.retries["mode"] == "legacy"


def test_setup_error_names_endpoint_and_fix_for_a_read_timeout():
    from botocore.exceptions import ReadTimeoutError

    err = aws.setup_error(ReadTimeoutError(endpoint_url="https://ec2.eu-west-1.amazonaws.com/"), timeout=3.0)
    assert isinstance(err, AwsSetupError)
    text = str(err)
    assert "https://ec2.eu-west-1.amazonaws.com/ did not answer in time" in text
    assert "read timeout 3 s" in text and "--timeout" in text and aws.TIMEOUT_ENV in text


# ------------------------------------------------------------------------------ a stalled network


class StalledServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (until closed)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.conns.append(conn)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def stalled():
    server = StalledServer()
    yield server
    server.close()


def test_stalled_endpoint_fails_with_exit_2_not_a_hang(aws_home, stalled, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{stalled.port}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "labkit.cli", *ARGS, "--timeout", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )  # the guard: a hang fails the test
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"labkit: error: http://127.0.0.1:{stalled.port}/ did not answer in time")
    assert "read timeout 1 s" in done.stderr
    assert len(stalled.conns) >= 1  # labkit did reach the stalled server (and gave up on it)


def test_setup_error_for_a_connect_timeout_names_endpoint_and_fix():
    from botocore.exceptions import ConnectTimeoutError

    text = str(aws.setup_error(ConnectTimeoutError(endpoint_url="https://lambda.us-east-1.amazonaws.com/")))
    assert "https://lambda.us-east-1.amazonaws.com/ could not be connected to in time" in text
    assert "connect timeout 5 s" in text and "--timeout SECONDS" in text


def test_an_importer_error_about_the_region_keeps_its_own_words():
    err = AwsSetupError("No AWS region: pass one with --region.")
    assert aws.setup_error(err) is err


def test_stalled_https_proxy_fails_with_exit_2(aws_home, stalled, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"https://127.0.0.1:{refused_port()}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{stalled.port}")
    assert_one_clear_line(*run(capsys, *ARGS, "--timeout", "1"), "did not answer in time", "HTTPS_PROXY")
    assert len(stalled.conns) >= 1
