"""Stream events and records: parsing, images as Python values, dedup keys."""
from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _ffi
from .errors import Error, ValidationError, from_c
from .types import deserialize_item

lib = _ffi.lib

#: What the parsing functions accept: a decoded JSON document, or its text.
EventLike = Union[Mapping[str, Any], str, bytes, bytearray]


def _to_bytes(doc: Any, what: str) -> bytes:
    if isinstance(doc, (bytes, bytearray)):
        return bytes(doc)
    if isinstance(doc, str):
        return doc.encode("utf-8")
    if isinstance(doc, Mapping):
        # ensure_ascii keeps lone surrogates (invalid UTF-8) as escapes the
        # C parser then refuses with a path, rather than failing here.  An
        # event from JSON cannot refer to itself, and skipping the cycle
        # check is a quarter of this dump's cost (a cyclic dict still
        # raises, as RecursionError).
        return json.dumps(doc, separators=(",", ":"),
                          check_circular=False).encode("ascii")
    raise TypeError(f"{what} must be a dict, str or bytes, not {type(doc).__name__}")


class _Owner:
    """Owns a C ddbxo_event or ddbxo_record; records borrow from it."""

    __slots__ = ("ptr", "_free")

    def __init__(self, ptr: int, free: Any) -> None:
        self.ptr = ptr
        self._free = free

    def __del__(self) -> None:
        if self.ptr:
            self._free(self.ptr)
            self.ptr = 0


@dataclass(frozen=True)
class Record:
    """One DynamoDB stream record.

    ``keys``, ``new_image`` and ``old_image`` are plain Python values
    (see :mod:`ddbxo.types`); the ``raw_*`` fields hold the same maps as
    DynamoDB JSON and ``raw`` the whole record.  ``dedup_key`` is None when
    the record carries no ``eventSourceARN`` (GetRecords output): call
    :func:`ddbxo.dedup_key` with ``source_table`` then.
    """

    event_id: Optional[str]
    event_name: str
    sequence_number: str
    keys: Dict[str, Any]
    new_image: Optional[Dict[str, Any]]
    old_image: Optional[Dict[str, Any]]
    ttl_delete: bool
    dedup_key: Optional[str]
    event_source_arn: Optional[str] = None
    aws_region: Optional[str] = None
    stream_view_type: Optional[str] = None
    approximate_creation_ms: Optional[int] = None
    size_bytes: Optional[int] = None
    raw_keys: Dict[str, Any] = field(default_factory=dict, repr=False)
    raw_new_image: Optional[Dict[str, Any]] = field(default=None, repr=False)
    raw_old_image: Optional[Dict[str, Any]] = field(default=None, repr=False)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
    _owner: Any = field(default=None, repr=False, compare=False)
    _ptr: int = field(default=0, repr=False, compare=False)


def _value_json(v: Optional[int]) -> Optional[Dict[str, Any]]:
    if not v:
        return None
    n = ctypes.c_size_t()
    data = _ffi.take_string(lib.ddbxo_value_to_json(v, ctypes.byref(n)), n.value)
    if data is None:
        raise MemoryError("ddbxo_value_to_json failed")
    out: Dict[str, Any] = json.loads(data)
    return out


def _dedup(ptr: int, source_table: Optional[str]) -> str:
    buf = ctypes.create_string_buffer(_ffi.DDBXO_DEDUP_KEY_BUFSIZE)
    err = _ffi.CError()
    tbl = source_table.encode("utf-8") if source_table is not None else None
    if lib.ddbxo_dedup_key(ptr, tbl, buf, ctypes.byref(err)) != 0:
        raise from_c(err)
    return buf.value.decode("ascii")


def _record(ptr: int, owner: _Owner) -> Record:
    s = _ffi.text
    raw_keys = _value_json(lib.ddbxo_record_keys(ptr)) or {}
    raw_new = _value_json(lib.ddbxo_record_new_image(ptr))
    raw_old = _value_json(lib.ddbxo_record_old_image(ptr))
    n = ctypes.c_size_t()
    raw = _ffi.take_string(lib.ddbxo_record_to_json(ptr, ctypes.byref(n)), n.value)
    try:
        key: Optional[str] = _dedup(ptr, None)
    except Error:
        key = None
    ms = lib.ddbxo_record_approx_creation_ms(ptr)
    size = lib.ddbxo_record_size_bytes(ptr)
    return Record(
        event_id=s(lib.ddbxo_record_event_id(ptr)),
        event_name=s(lib.ddbxo_record_event_name_str(ptr)) or "",
        sequence_number=s(lib.ddbxo_record_sequence_number(ptr)) or "",
        keys=deserialize_item(raw_keys),
        new_image=None if raw_new is None else deserialize_item(raw_new),
        old_image=None if raw_old is None else deserialize_item(raw_old),
        ttl_delete=bool(lib.ddbxo_record_ttl_delete(ptr)),
        dedup_key=key,
        event_source_arn=s(lib.ddbxo_record_event_source_arn(ptr)),
        aws_region=s(lib.ddbxo_record_aws_region(ptr)),
        stream_view_type=s(lib.ddbxo_record_stream_view_type(ptr)),
        approximate_creation_ms=None if ms < 0 else int(ms),
        size_bytes=None if size < 0 else int(size),
        raw_keys=raw_keys, raw_new_image=raw_new, raw_old_image=raw_old,
        raw=json.loads(raw) if raw else {},
        _owner=owner, _ptr=ptr)


class _Event:
    """A parsed C event and its records, turned into Python :class:`Record`
    objects only when asked for.

    ``process_batch`` with a C transform (identity, spec, aggregate) never
    looks at a record from Python, and building a :class:`Record` (JSON of
    each image, ``json.loads``, deserialising every attribute) was most of
    the binding's CPU per record (docs/performance.md).
    """

    __slots__ = ("owner", "ptr", "ptrs", "errors", "by_ptr", "_known")

    def __init__(self, event: EventLike) -> None:
        data = _to_bytes(event, "event")
        err = _ffi.CError()
        ptr = lib.ddbxo_parse_stream_event(data, len(data), ctypes.byref(err))
        if not ptr:
            raise from_c(err)
        self.owner: Optional[_Owner] = _Owner(ptr, lib.ddbxo_event_free)
        self.ptr: int = ptr
        #: The C record of each index, in order; 0 for one that failed.
        self.ptrs: List[int] = []
        self.errors: Dict[int, Error] = {}
        #: C record pointer -> its Record, filled on demand.
        self.by_ptr: Dict[int, Record] = {}
        for i in range(lib.ddbxo_event_count(ptr)):
            rp = lib.ddbxo_event_record(ptr, i)
            self.ptrs.append(rp or 0)
            if not rp:
                e = lib.ddbxo_event_error(ptr, i)
                self.errors[i] = from_c(e.contents if e else None,
                                        f"record {i} failed to parse")
        self._known = frozenset(p for p in self.ptrs if p)

    @classmethod
    def of_record(cls, rec: Record) -> "_Event":
        """A holder for one already-built Record (transform_writes)."""
        ev = cls.__new__(cls)
        ev.owner = None
        ev.ptr = 0
        ev.ptrs = [rec._ptr]
        ev.errors = {}
        ev.by_ptr = {rec._ptr: rec}
        ev._known = frozenset(ev.ptrs)
        return ev

    @classmethod
    def empty(cls) -> "_Event":
        """No event: what a pooled transform holds between batches."""
        ev = cls.__new__(cls)
        ev.owner = None
        ev.ptr = 0
        ev.ptrs = []
        ev.errors = {}
        ev.by_ptr = {}
        ev._known = frozenset()
        return ev

    def record_for_ptr(self, ptr: int) -> Optional[Record]:
        """The Record of one of this event's C records; None for another
        pointer."""
        rec = self.by_ptr.get(ptr)
        if rec is None and ptr in self._known and self.owner is not None:
            rec = self.by_ptr[ptr] = _record(ptr, self.owner)
        return rec

    @property
    def records(self) -> List[Optional[Record]]:
        """Every record in order (None for one that failed to parse)."""
        return [self.record_for_ptr(p) if p else None for p in self.ptrs]


def parse_event(event: EventLike) -> List[Record]:
    """Parses a Lambda DynamoDB event, a GetRecords response or one record.

    ``event`` is the decoded dict a Lambda handler receives, or the JSON
    text.  Raises :class:`ValidationError` (``path`` names the spot, e.g.
    ``Records[3].dynamodb.Keys.pk.N``) when the document or any record is
    unusable; :meth:`Client.process_batch` instead reports bad records in
    ``batchItemFailures``.
    """
    ev = _Event(event)
    if ev.errors:
        raise ev.errors[min(ev.errors)]
    return [r for r in ev.records if r is not None]


def parse_record(record: EventLike) -> Record:
    """Parses one stream record object (dict or JSON text)."""
    data = _to_bytes(record, "record")
    err = _ffi.CError()
    ptr = lib.ddbxo_parse_stream_record(data, len(data), ctypes.byref(err))
    if not ptr:
        raise from_c(err)
    return _record(ptr, _Owner(ptr, lib.ddbxo_record_free))


def _as_record(record: Union[Record, EventLike]) -> Record:
    return record if isinstance(record, Record) else parse_record(record)


def dedup_key(record: Union[Record, EventLike], source_table: Optional[str] = None) -> str:
    """Dedup key v1 of a record: 64 lowercase hex digits (docs/format.md).

    ``source_table`` defaults to the table named by the record's
    ``eventSourceARN``; a record without one (GetRecords) needs it.
    """
    r = _as_record(record)
    return _dedup(r._ptr, source_table)


def dedup_canonical(record: Union[Record, EventLike],
                    source_table: Optional[str] = None) -> bytes:
    """The bytes :func:`dedup_key` hashes (for test vectors)."""
    r = _as_record(record)
    out = ctypes.c_void_p()
    n = ctypes.c_size_t()
    err = _ffi.CError()
    tbl = source_table.encode("utf-8") if source_table is not None else None
    if lib.ddbxo_dedup_canonical(r._ptr, tbl, ctypes.byref(out), ctypes.byref(n),
                                 ctypes.byref(err)) != 0:
        raise from_c(err)
    return _ffi.take_string(out.value, n.value) or b""


def client_request_token(dedup_keys: Sequence[str]) -> str:
    """The 36-character ClientRequestToken for these dedup keys (in order)."""
    if isinstance(dedup_keys, str):
        raise TypeError("dedup_keys is a sequence of keys, not one str")
    enc = [k.encode("ascii") for k in dedup_keys]
    arr = (ctypes.c_char_p * max(1, len(enc)))(*enc)
    buf = ctypes.create_string_buffer(_ffi.DDBXO_TOKEN_BUFSIZE)
    err = _ffi.CError()
    if lib.ddbxo_client_request_token(arr, len(enc), buf, ctypes.byref(err)) != 0:
        raise from_c(err)
    return buf.value.decode("ascii")


__all__ = ["Record", "EventLike", "parse_event", "parse_record", "dedup_key",
           "dedup_canonical", "client_request_token", "ValidationError"]
