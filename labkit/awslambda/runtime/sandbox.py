"""The invocation's sandbox: SDK calls, sockets, DNS and sleep answered by the lab's network model and clock."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import sys
import threading
import time
import zlib
from collections.abc import Iterator

from labkit.awslambda.errors import RealNetworkRefused
from labkit.awslambda.runtime import context as _context
from labkit.awslambda.runtime.context import _STACK, _TLS, _current, _Invocation, _WorkerCallHung

__all__ = ["RealNetworkRefused"]


#: The instance metadata address of EC2; labkit's model of Lambda has no metadata service there.
METADATA_ADDRESS = "169.254.169.254"


@contextlib.contextmanager
def gated(inv: _Invocation) -> Iterator[None]:
    """While the invocation runs: the gates are installed (by the outermost one) and it is the current one."""
    outer = not _STACK
    saved_passthrough = getattr(_TLS, "passthrough", False)
    try:
        if outer:
            _install_patches()
        _STACK.append(inv)
        _TLS.passthrough = False
        yield
    finally:
        _TLS.passthrough = saved_passthrough
        if _STACK and _STACK[-1] is inv:
            _STACK.pop()
        if outer:
            _remove_patches()


_PATCHES: list[tuple[object, str, object, bool]] = []  # (owner, attribute, original, was in owner's __dict__)


def _install_patches() -> None:
    import botocore.client

    def patch(owner, name, new):
        had = name in vars(owner)
        _PATCHES.append((owner, name, getattr(owner, name), had))
        setattr(owner, name, new)

    original_call = botocore.client.BaseClient._make_api_call
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex
    sendto = socket.socket.sendto
    getaddrinfo = socket.getaddrinfo
    gethostbyname = socket.gethostbyname
    gethostbyname_ex = socket.gethostbyname_ex

    def _make_api_call(client, operation_name, api_params):
        inv = _current()
        if inv is None or getattr(_TLS, "passthrough", False):
            return original_call(client, operation_name, api_params)
        model = client.meta.service_model
        trace = inv.ask_gate(model.endpoint_prefix)
        if trace is not None:
            _hang_sdk_call(inv, client, operation_name, trace)
        _TLS.passthrough = True
        try:
            return original_call(client, operation_name, api_params)
        finally:
            _TLS.passthrough = False

    def _connect(sock, address):
        _check_destination(sock, address)
        return connect(sock, address)

    def _connect_ex(sock, address):
        try:
            _check_destination(sock, address)
        except TimeoutError:
            if isinstance(sys.exc_info()[1], _WorkerCallHung):
                raise
            return errno.ETIMEDOUT
        except ConnectionError:
            return errno.ECONNREFUSED
        return connect_ex(sock, address)

    def _sendto(sock, data, *args):
        address = args[-1]
        host = _host_of(address)
        if host is not None and not _is_local(host):
            raise ConnectionError(
                f"labkit lab: the lab has no real network, so UDP to {_describe(address)} is not sent."
            )
        return sendto(sock, data, *args)

    def _getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if _resolves_locally(host):
            if not _is_local(_text(host)):
                flags |= getattr(socket, "AI_NUMERICHOST", 0)  # a literal address: never a DNS query
            return getaddrinfo(host, port, family, type, proto, flags)
        if isinstance(port, str):
            port = int(port) if port.isdigit() else socket.getservbyname(port)
        socktypes = [type] if type else [socket.SOCK_STREAM, socket.SOCK_DGRAM]
        result = []
        for socktype in socktypes:
            proto_ = proto or (socket.IPPROTO_TCP if socktype == socket.SOCK_STREAM else socket.IPPROTO_UDP)
            if family == socket.AF_INET6:
                result.append((socket.AF_INET6, socktype, proto_, "", (_lab_address(host, 6), port or 0, 0, 0)))
            else:
                result.append((socket.AF_INET, socktype, proto_, "", (_lab_address(host, 4), port or 0)))
        return result

    def _gethostbyname(host):
        if _resolves_locally(host):
            return gethostbyname(host)
        return _lab_address(host, 4)

    def _gethostbyname_ex(host):
        if _resolves_locally(host):
            return gethostbyname_ex(host)
        return (host, [], [_lab_address(host, 4)])

    def _sleep(seconds):
        inv = _current()
        if inv is None or threading.get_ident() != inv.thread_id or getattr(_TLS, "passthrough", False):
            return _context._real_sleep(seconds)
        remaining = inv.remaining_s()
        if seconds >= remaining:
            # A sleep past the deadline moves the lab's time, not the machine's: the handler stops at once,
            # as if it had slept until its timeout (the same on every Python, with or without threads).
            inv.extra_s += max(0.0, remaining)
            inv.out_of_time(
                f"the handler was in time.sleep({seconds:g}) when its {inv.timeout_s:g}-second timeout ran out"
            )
        return _context._real_sleep(seconds)

    try:
        patch(botocore.client.BaseClient, "_make_api_call", _make_api_call)
        patch(socket.socket, "connect", _connect)
        patch(socket.socket, "connect_ex", _connect_ex)
        patch(socket.socket, "sendto", _sendto)
        patch(socket, "getaddrinfo", _getaddrinfo)
        patch(socket, "gethostbyname", _gethostbyname)
        patch(socket, "gethostbyname_ex", _gethostbyname_ex)
        patch(time, "sleep", _sleep)
    except BaseException:
        _remove_patches()
        raise


def _remove_patches() -> None:
    while _PATCHES:
        owner, name, original, had = _PATCHES.pop()
        if had:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def _hang_sdk_call(inv: _Invocation, client, operation_name: str, trace) -> None:
    from botocore.exceptions import ConnectTimeoutError

    config = client.meta.config
    retries = config.retries or {}
    attempts = retries.get("total_max_attempts")
    if attempts is None:
        attempts = 5 if retries.get("mode", "legacy") == "legacy" else 3
    connect_timeout = config.connect_timeout
    budget = None if connect_timeout is None else float(connect_timeout) * int(attempts)
    what = f"the {client.meta.service_model.service_name} {operation_name} call"
    inv.hang(what, trace, budget, lambda: ConnectTimeoutError(endpoint_url=client.meta.endpoint_url))


def _host_of(address):
    if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], str):
        return address[0]
    return None  # AF_UNIX paths and the like: local by nature


def _is_local(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost", ""):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def _text(host) -> str:
    if host is None or isinstance(host, (bytes, bytearray)):
        return host.decode() if host else ""
    return host


def _resolves_locally(host) -> bool:
    host = _text(host)
    if _is_local(host):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True  # a literal address: no DNS query
    except ValueError:
        return False


_LAB_NAMES: dict[str, str] = {}  # lab address → the host name it stands for


def _lab_address(host: str, version: int) -> str:
    """A stable stand-in address for a host name (198.18.0.0/15, or 2001:db8::/32 for IPv6)."""
    n = zlib.crc32(host.lower().encode()) % 131070 + 1
    if version == 6:
        address = str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("2001:db8::")) + n))
    else:
        address = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("198.18.0.0")) + n))
    _LAB_NAMES[address] = host
    return address


def _describe(address) -> str:
    host, port = address[0], address[1]
    name = _LAB_NAMES.get(host)
    shown = f"{name} ({host})" if name else host
    return f"{shown}:{port}"


def _check_destination(sock, address) -> None:
    host = _host_of(address)
    if host is None or _is_local(host):
        return
    inv = _current()
    if getattr(_TLS, "passthrough", False):
        raise RealNetworkRefused(
            f"labkit lab: a request tried to leave the machine for {_describe(address)} while the lab was serving "
            "an AWS call (a client with a custom endpoint_url, or a service the lab doesn't emulate). Nothing was sent."
        )
    if inv is None:
        return
    trace = inv.ask_gate("internet")
    what = f"the connection to {_describe(address)}"
    if trace is not None:
        budget = sock.gettimeout()
        inv.hang(what, trace, budget, lambda: TimeoutError("timed out"))
    if host == METADATA_ADDRESS:
        what += (
            " (the EC2 instance metadata address: labkit's model of Lambda has no metadata service there; a "
            "function's credentials are in its environment variables)"
        )
    raise ConnectionRefusedError(
        f"labkit lab: the network path to the internet is open, but the lab has no real internet: the lab has no "
        f"internet server, so {what} was refused and nothing was sent. Reach AWS services through boto3 (the lab "
        "serves those), and replace calls to outside services with test data."
    )
