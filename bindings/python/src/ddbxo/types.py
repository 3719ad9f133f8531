"""DynamoDB JSON <-> Python values, the way boto3's TypeDeserializer and
TypeSerializer do it.

Deserializing (what images become):

==========  ==========================================================
DynamoDB    Python
==========  ==========================================================
S           str
N           decimal.Decimal, made with boto3's DYNAMODB_CONTEXT
B           ddbxo.Binary (a bytes subclass with boto3 Binary's ``.value``)
SS/NS/BS    set of str / Decimal / Binary
BOOL        bool
NULL        None
L           list
M           dict
==========  ==========================================================

boto3's TypeDeserializer returns ``boto3.dynamodb.types.Binary`` for B; our
Binary compares equal to it and to ``bytes`` and hashes like both, so images
from ddbxo and from boto3 compare equal, sets included.  The values were
already checked by libddbxo when the event was parsed; this module only maps
types.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any, Dict

from . import _ffi

__all__ = ["Binary", "DYNAMODB_CONTEXT", "deserialize", "deserialize_item",
           "serialize", "serialize_item"]

#: boto3.dynamodb.types.DYNAMODB_CONTEXT: 38 digits (the library's
#: DDBXO_MAX_NUMBER_DIGITS, read from it), DynamoDB's exponent range, and
#: any rounding is an error.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=_ffi.constant("DDBXO_MAX_NUMBER_DIGITS"),
                           traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


class Binary(bytes):
    """A DynamoDB B value: ``bytes`` that also answers boto3's Binary API.

    ``value`` is the plain bytes (as on ``boto3.dynamodb.types.Binary``);
    equality and hashing are those of bytes, so ``Binary(b"x") == b"x"`` and
    ``== boto3.dynamodb.types.Binary(b"x")``.
    """

    __slots__ = ()

    @property
    def value(self) -> bytes:
        return bytes(self)

    def __repr__(self) -> str:
        return f"Binary({bytes(self)!r})"


def _b(text: str) -> Binary:
    return Binary(base64.b64decode(text))


def _n(text: str) -> Decimal:
    return DYNAMODB_CONTEXT.create_decimal(text)


def deserialize(av: Mapping[str, Any]) -> Any:
    """One AttributeValue in DynamoDB JSON (``{"N": "1"}``) -> Python value."""
    if not isinstance(av, Mapping) or len(av) != 1:
        raise TypeError("an AttributeValue is an object with one type key")
    (t, v), = av.items()
    if t == "S":
        return v
    if t == "N":
        return _n(v)
    if t == "B":
        return _b(v)
    if t == "BOOL":
        return v
    if t == "NULL":
        return None
    if t == "SS":
        return set(v)
    if t == "NS":
        return set(map(_n, v))
    if t == "BS":
        return set(map(_b, v))
    if t == "L":
        return [deserialize(x) for x in v]
    if t == "M":
        return {k: deserialize(x) for k, x in v.items()}
    raise TypeError(f"DynamoDB type {t} is not supported")


def deserialize_item(item: Mapping[str, Any]) -> Dict[str, Any]:
    """An attribute map (item, Keys, image) in DynamoDB JSON -> dict."""
    return {k: deserialize(v) for k, v in item.items()}


def _number_text(v: Any) -> str:
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise TypeError("Infinity and NaN not supported")
        return str(v)
    return str(int(v))


def _is_binary(v: Any) -> bool:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return True
    # boto3.dynamodb.types.Binary, without importing boto3.
    return type(v).__name__ == "Binary" and isinstance(getattr(v, "value", None),
                                                       (bytes, bytearray))


def _binary_text(v: Any) -> str:
    raw = v.value if type(v).__name__ == "Binary" and not isinstance(v, bytes) else v
    return base64.b64encode(bytes(raw)).decode("ascii")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def serialize(v: Any) -> Dict[str, Any]:
    """A Python value -> one AttributeValue in DynamoDB JSON.

    The inverse of :func:`deserialize`, with TypeSerializer's rules: int and
    Decimal become N, float is refused (use Decimal), bytes-like become B,
    a set must hold only str, only numbers or only binary values.  DynamoDB's
    own rules (no empty set, 38 digits, ...) are checked by libddbxo when the
    write is added.
    """
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if _is_number(v):
        return {"N": _number_text(v)}
    if isinstance(v, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    if isinstance(v, str):
        return {"S": v}
    if _is_binary(v):
        return {"B": _binary_text(v)}
    if isinstance(v, (set, frozenset)):
        members = list(v)
        if members and all(isinstance(m, str) for m in members):
            return {"SS": members}
        if members and all(_is_number(m) for m in members):
            return {"NS": [_number_text(m) for m in members]}
        if members and all(_is_binary(m) for m in members):
            return {"BS": [_binary_text(m) for m in members]}
        raise TypeError("a set must be non-empty and hold only str, only "
                        "numbers or only binary values")
    if isinstance(v, Mapping):
        return {"M": serialize_item(v)}
    if isinstance(v, (list, tuple)):
        return {"L": [serialize(x) for x in v]}
    raise TypeError(f"unsupported type {type(v).__name__} for a DynamoDB value")


def serialize_item(item: Mapping[str, Any]) -> Dict[str, Any]:
    """A dict of Python values -> an attribute map in DynamoDB JSON."""
    out: Dict[str, Any] = {}
    for k, v in item.items():
        if not isinstance(k, str):
            raise TypeError(f"attribute names are str, not {type(k).__name__}")
        out[k] = serialize(v)
    return out

