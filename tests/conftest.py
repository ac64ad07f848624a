"""Shared fixtures.

``session``: a ``boto3.Session`` inside ``moto.mock_aws()`` (region us-east-1, fake credentials), fresh
for each test. While it is active the environment holds only fake credentials, no profile is selected and
the AWS config files point at nothing, so no test can reach a real AWS account.

    def test_something(session):
        ec2 = session.client("ec2")
        ...
"""

from __future__ import annotations

import pytest

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

#: Variables that could point boto3 at real credentials; removed while ``session`` is active.
REAL_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
)


_LOADER = []


def _botocore_session():
    """A fresh botocore session (its own event handlers and credentials) that shares one data loader with
    every other test: the loader caches the parsed service models (ec2's is large), so each test pays only
    for its fresh moto account, not for reloading the SDK's data files."""
    import botocore.session

    bs = botocore.session.get_session()
    if not _LOADER:
        _LOADER.append(bs.get_component("data_loader"))
    bs.register_component("data_loader", _LOADER[0])
    return bs


@pytest.fixture
def session(monkeypatch, tmp_path):
    """A boto3 session on a fresh, empty moto account (us-east-1); nothing leaves the process."""
    import boto3
    import moto

    for name in REAL_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with moto.mock_aws():
        yield boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name="us-east-1",
            botocore_session=_botocore_session(),
        )


# ------------------------------------------------------------------ no temporary folders left behind


def pytest_configure(config):
    """The session's own temporary directory (inherited by the notebook kernels it starts), so that the
    check below sees only this session's labkit-* folders, not those of other processes on the machine."""
    import os
    import tempfile

    if not os.environ.get("LABKIT_TEST_TMPDIR"):
        os.environ["LABKIT_TEST_TMPDIR"] = os.environ["TMPDIR"] = tempfile.mkdtemp(prefix="pytest-labkit-")
        tempfile.tempdir = None
    # No test writes to the learner's own progress log (~/.labkit/events.jsonl): tests that need one set their own.
    os.environ.setdefault("LABKIT_PROGRESS", os.path.join(os.environ["LABKIT_TEST_TMPDIR"], "progress.json"))


@pytest.fixture(scope="session", autouse=True)
def _no_labkit_folders_left():
    """Closed labs (and labs garbage collected, and kernels that ended) leave no labkit-* entry in the
    temporary directory."""
    import gc
    import os
    import tempfile

    yield
    gc.collect()
    left = sorted(n for n in os.listdir(tempfile.gettempdir()) if n.startswith("labkit"))
    assert left == [], f"labkit-* entries left in {tempfile.gettempdir()}: {left}"
