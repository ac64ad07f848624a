"""Reading condition values, on the policy side and the request side, for each operator family.

Each reader takes a value (policy text, or a request value: str, number, bool, datetime, bytes) and
returns what the operators compare, or raises ``ValueError`` saying why the value can't be read; the
callers turn that into a ``PolicyError`` (policy side) or a false condition (request side).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from labkit.iam.errors import shown as _short

__all__ = ["to_str", "number", "date", "bool_text", "binary", "network", "address", "in_network"]


def to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    raise ValueError(f"{value!r} is not a string")


def number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return number
    raise ValueError(f"{value!r} is not a number")


def epoch(value: Any) -> datetime:
    """Epoch seconds → an aware datetime; ``ValueError`` when the number is outside the years 1–9999."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{_short(value)} is not a date: as epoch seconds it lies outside the years 1-9999") from None


def date(value: Any) -> datetime:
    """ISO 8601 (W3C profile: ``2020-01-01``, ``2020-01-01T00:00:01Z``…) or epoch seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float, Decimal)):
        return epoch(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return epoch(text)
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date/time or epoch seconds") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(f"{value!r} is not a date")


def bool_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    raise ValueError(f"{value!r} is not true or false")


def binary(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{value!r} is not base-64 encoded") from None
    raise ValueError(f"{value!r} is not binary data")


def network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IP address or CIDR range")
    try:
        return ipaddress.ip_network(value.strip(), strict=False)  # no prefix: /32 (IPv4) or /128 (IPv6)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or CIDR range (e.g. 203.0.113.0/24)") from None


def address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IP address")
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None


def in_network(addr: Any, net: Any) -> bool:
    return addr.version == net.version and addr in net
