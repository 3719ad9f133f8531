"""The client and the batch engine: ``Client.process_batch``."""
from __future__ import annotations

import ctypes
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, TypedDict, Union

from . import _ffi
from .errors import E_CONFIG, E_INVALID, ConfigError, Error, ValidationError, from_c
from .records import EventLike, Record, _Event, _Owner, _record, _to_bytes
from .types import serialize_item

lib = _ffi.lib
log = logging.getLogger("ddbxo")

#: A Python transform: Record -> item dict, list of writes, or None (skip).
TransformFn = Callable[[Record], Any]
#: What ``transform=`` accepts: a callable, a declarative spec (dict or its
#: JSON text, docs/transform.md), "identity", or None (= identity).
TransformLike = Union[TransformFn, Mapping[str, Any], str, None]


def _b(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


def _log_cb(ctx: Any, level: int, msg: bytes) -> None:
    # Runs on whichever thread is inside a library call; ctypes holds the
    # GIL for us.  The library promises no secrets or item data in msg.
    try:
        log.log(level, "%s", msg.decode("utf-8", "replace"))
    except Exception:  # a logging failure must not cross into C
        pass


_LOG_CB = _ffi.LOG_FN(_log_cb)


class BatchResult(Dict[str, Any]):
    """What :meth:`Client.process_batch` returns: a dict for Lambda.

    The keys are the library's summary: ``batchItemFailures`` (the partial
    batch response Lambda reads), ``records``, ``applied``, ``duplicate``,
    ``stale``, ``superseded``, ``coalesced``, ``filtered``, ``parked``,
    ``failed``.  Return it from a handler as is.

    Attributes (not part of the dict): ``outcomes``, the outcome name of
    each record in stream order ("APPLIED", "DUPLICATE", ...), and
    ``errors``, record index -> :class:`ddbxo.Error` for failed or parked
    records; an error caused by a Python transform has the exception as its
    ``__cause__``.
    """

    outcomes: List[str]
    errors: Dict[int, Error]


class LostRange(TypedDict):
    """A Lambda on-failure range the stream no longer holds (all of):
    :attr:`RedriveResult.lost_ranges` (docs/redrive.md, "Lost ranges")."""
    messageId: str
    streamArn: str
    shardId: str
    startSequenceNumber: str
    endSequenceNumber: str
    firstAvailableSequenceNumber: Optional[str]
    reason: str


@dataclass(frozen=True)
class RedriveResult:
    """What :meth:`Client.redrive` did: the library's summary, parsed.

    ``messages`` were taken from the queue, ``deleted`` of them once every
    record was done, ``kept`` left in it (a failed record, a lost range, an
    unknown shape: ``warnings`` says which and why).  ``counts`` are the
    records' outcomes as :class:`BatchResult` counts them ("records",
    "applied", "duplicate", "stale", "superseded", "coalesced",
    "filtered", "parked", "failed"); ``batch_item_failures`` the sequence
    numbers of the records that failed.  ``error`` is set when a
    ReceiveMessage failed and the run stopped there.  ``summary`` is the
    JSON object as the library wrote it (the line ``ddbxo redrive``
    prints).
    """
    messages: int
    deleted: int
    kept: int
    lost_ranges: List[LostRange]
    counts: Dict[str, int]
    batch_item_failures: List[str]
    warnings: List[str] = field(default_factory=list)
    error: Optional[Error] = None
    summary: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """True when every message taken was applied and deleted (also when
        the queue was empty): ``ddbxo redrive``'s exit status 0."""
        return self.kept == 0 and self.error is None


def _redrive_result(summary: Dict[str, Any], warnings: List[str],
                    error: Optional[Error]) -> RedriveResult:
    counts = {k: int(v) for k, v in summary.items()
              if isinstance(v, int) and k not in ("messages", "deleted", "kept")}
    return RedriveResult(
        messages=int(summary.get("messages", 0)),
        deleted=int(summary.get("deleted", 0)),
        kept=int(summary.get("kept", 0)),
        lost_ranges=list(summary.get("lost_ranges", [])),
        counts=counts,
        batch_item_failures=[f["itemIdentifier"] for f in summary.get("batchItemFailures", [])],
        warnings=warnings,
        error=error,
        summary=summary,
    )


class _PyTransform:
    """A C transform whose callback calls a Python function.

    A pooled applier keeps its _PyTransform across batches; :meth:`bind`
    points it at each batch's function and event first."""

    def __init__(self, fn: TransformFn, event: _Event) -> None:
        self.fn = fn
        self.event = event
        self.exceptions: Dict[int, BaseException] = {}  # C record ptr -> exc
        self.fatal: Optional[BaseException] = None
        self.cb = _ffi.TRANSFORM_FN(self._call)  # kept alive with the transform
        err = _ffi.CError()
        self.ptr = lib.ddbxo_transform_new(self.cb, None, ctypes.byref(err))
        if not self.ptr:
            raise from_c(err)

    def bind(self, fn: TransformFn, event: _Event) -> None:
        self.fn = fn
        self.event = event
        self.exceptions = {}
        self.fatal = None

    def unbind(self) -> None:
        """Drops the batch's function and event (nothing kept alive)."""
        self.fn = _unbound
        self.event = _Event.empty()
        self.exceptions = {}
        self.fatal = None

    def free(self) -> None:
        lib.ddbxo_transform_free(self.ptr)
        self.ptr = None

    def _record_for(self, ptr: int) -> Record:
        rec = self.event.record_for_ptr(ptr)   # built now, on first use
        if rec is None:  # one the C engine parsed itself (redrive): a copy
            n = ctypes.c_size_t()
            data = _ffi.take_string(lib.ddbxo_record_to_json(ptr, ctypes.byref(n)), n.value)
            from .records import parse_record
            rec = parse_record(data or b"{}")
        return rec

    def _call(self, ctx: Any, rec_ptr: int, out: int, err_p: Any) -> int:
        # Called by C on the thread inside ddbxo_process_batch; ctypes took
        # the GIL.  Nothing may propagate out of here into C.
        try:
            result = self.fn(self._record_for(rec_ptr))
            if result is None:
                return 0
            if isinstance(result, Mapping):
                data = json.dumps(serialize_item(result), separators=(",", ":")).encode("utf-8")
                return int(lib.ddbxo_writes_put(out, None, data, len(data), err_p))
            if isinstance(result, (list, tuple)):
                data = json.dumps([_write_json(w) for w in result],
                                  separators=(",", ":")).encode("utf-8")
                return int(lib.ddbxo_writes_add_json(out, data, len(data), err_p))
            raise TypeError("a transform returns a dict (the item), a list of "
                            f"writes or None, not {type(result).__name__}")
        except BaseException as e:  # noqa: B902 - C must never see an unwind
            self.exceptions[rec_ptr] = e
            if not isinstance(e, Exception):
                self.fatal = self.fatal or e  # KeyboardInterrupt, SystemExit
            _fill(err_p, f"transform raised {type(e).__name__}: {e}")
            return -1


def _unbound(rec: Record) -> Any:
    raise RuntimeError("transform called outside process_batch")


def _fill(err_p: Any, message: str) -> None:
    e = err_p.contents
    ctypes.memset(ctypes.byref(e), 0, ctypes.sizeof(e))
    e.code = E_INVALID
    raw = message.encode("utf-8", "replace")[:type(e).message.size - 1]
    e.message = raw.decode("utf-8", "ignore").encode("utf-8")


def _holds_values(member: str) -> bool:
    """Whether a write's member holds DynamoDB values (the library says
    which: "Item", "Key", "ExpressionAttributeValues")."""
    return bool(lib.ddbxo_write_member_holds_values(member.encode("utf-8", "replace")))


def _write_json(w: Any) -> Dict[str, Any]:
    """One write with Python values -> the same write in DynamoDB JSON.

    The shape is the user's (the TransactItems shape of
    ``ddbxo_writes_add_json``) and the library checks it; only the members
    the library names as holding values are converted."""
    if not isinstance(w, Mapping):
        raise TypeError('a write is {"Put": {...}}, {"Update": {...}} or {"Delete": {...}}')
    out: Dict[str, Any] = {}
    for kind, body in w.items():
        if isinstance(body, Mapping):
            body = {m: serialize_item(v) if isinstance(v, Mapping) and _holds_values(m) else v
                    for m, v in body.items()}
        out[kind] = body
    return out


#: How this binding's users name the options in ``ddbxo_mode_options``
#: order (mode, ledger table, transform, aggregate): the keyword arguments.
_OPTION_NAMES = (ctypes.c_char_p * 4)(b"mode", b"ledger_table", b"transform", b"aggregate")


def _mode_options(mode: Optional[str], ledger_table: Optional[str],
                  transform: Any, aggregate: Optional[str],
                  names: Any = _OPTION_NAMES) -> _ffi.CModeOptions:
    o = _ffi.CModeOptions()
    o.mode_name = None if mode is None else mode.encode("utf-8", "replace")
    o.ledger_table = _b(ledger_table)
    o.transforms = int(transform is not None)
    o.aggregate = int(aggregate is not None)
    o.names = names
    return o


def _check_mode(mode: str, ledger_table: Optional[str], transform: Any,
                aggregate: Optional[str], names: Any = _OPTION_NAMES) -> int:
    """The library's mode and transform rules (ddbxo_mode_options_check);
    returns the mode's number.  Raises ConfigError or ValidationError."""
    err = _ffi.CError()
    m = int(lib.ddbxo_mode_options_check(
        ctypes.byref(_mode_options(mode, ledger_table, transform, aggregate, names)),
        ctypes.byref(err)))
    if not m:
        raise from_c(err)
    return m


def check_mode_options(mode: str = "replicate", *, ledger_table: Optional[str] = None,
                       transform: Any = None, aggregate: Optional[str] = None,
                       names: Optional[Tuple[str, str, str, str]] = None) -> None:
    """Checks the mode and transform options as :meth:`Client.process_batch`
    will, without a client or an event, e.g. at a Lambda function's init.
    Only whether ``transform`` is given matters (a callable, a spec, or
    a spec's path).  ``names`` are how your users call the four options
    (mode, ledger table, transform, aggregate), for the error's ``path``
    and message, e.g. environment variable names; default: the keyword
    names.  Raises :class:`ddbxo.ConfigError` (unknown mode, an aggregate
    in replicate mode, no ledger table for ledger or tracker mode) or
    :class:`ddbxo.ValidationError` (transform and aggregate together):
    the library's rules, shared with the CLI and the C Lambda bootstrap."""
    arr: Any = _OPTION_NAMES
    if names is not None:
        if len(names) != 4:
            raise ValueError("names: four names (mode, ledger table, transform, aggregate)")
        arr = (ctypes.c_char_p * 4)(*(n.encode("utf-8") for n in names))
    _check_mode(mode, ledger_table, transform, aggregate, arr)


def _check_transform(transform: TransformLike, aggregate: Optional[str]) -> None:
    """The part of the rules a dry run needs: one transform at most."""
    err = _ffi.CError()
    if lib.ddbxo_mode_options_check_transform(
            ctypes.byref(_mode_options(None, None, transform, aggregate)),
            ctypes.byref(err)) != 0:
        raise from_c(err)


def _make_transform(transform: TransformLike, aggregate: Optional[str]) -> Optional[int]:
    """A C transform for the declarative kinds (caller frees), or None."""
    _check_transform(transform, aggregate)
    err = _ffi.CError()
    if aggregate is not None:
        ptr = lib.ddbxo_transform_aggregate(aggregate.encode("utf-8"), ctypes.byref(err))
    elif transform is None or transform == "identity":
        ptr = lib.ddbxo_transform_identity(ctypes.byref(err))
    elif isinstance(transform, (Mapping, str, bytes)):
        data = transform if isinstance(transform, bytes) else (
            transform.encode("utf-8") if isinstance(transform, str)
            else json.dumps(transform).encode("utf-8"))
        ptr = lib.ddbxo_transform_spec(data, len(data), ctypes.byref(err))
    else:
        raise TypeError("transform is a callable, a spec (dict or JSON text), "
                        "'identity' or None")
    if not ptr:
        raise from_c(err)
    return int(ptr)


def _apply_config(mode: int, target_table: str, ledger_table: Optional[str],
                  source_table: Optional[str], source_version_attr: Optional[str],
                  version_attr: Optional[str], hard_delete: bool, no_coalesce: bool,
                  park_queue_url: Optional[str], ttl_attr: Optional[str],
                  tombstone_ttl_s: int, ledger_ttl_s: int,
                  max_inflight: int) -> _ffi.CApplyConfig:
    """A ``ddbxo_apply_config`` from the keyword arguments (no transform)."""
    cfg = _ffi.CApplyConfig()
    cfg.mode = mode
    cfg.target_table = _b(target_table)
    cfg.ledger_table = _b(ledger_table)
    cfg.source_table = _b(source_table)
    cfg.source_version_attr = _b(source_version_attr)
    cfg.version_attr = _b(version_attr)
    cfg.hard_delete = int(hard_delete)
    cfg.no_coalesce = int(no_coalesce)
    cfg.ttl_attr = _b(ttl_attr)
    cfg.tombstone_ttl_s = tombstone_ttl_s
    cfg.ledger_ttl_s = ledger_ttl_s
    cfg.park_queue_url = _b(park_queue_url)
    cfg.max_inflight = max_inflight
    return cfg


class _CallLock:
    """Many calls at once, or one close(): the Go binding's sync.RWMutex.

    Calls share it; close() keeps new calls out (they raise ConfigError,
    as they would once it is closed) and waits until the running ones have
    returned.  A call made from inside a call on the same thread (a
    transform using the client) is let through, so it cannot deadlock;
    close() from inside a call is refused instead of waiting for itself."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._calls = 0
        self._closing = False     # new calls are refused from now on
        self._closers = False     # a close() is running
        self._mine = threading.local()

    @contextmanager
    def call(self) -> Iterator[None]:
        nested = getattr(self._mine, "n", 0)
        with self._cond:
            if self._closing and not nested:
                raise ConfigError("the client is closed", code=E_CONFIG)
            self._calls += 1
        self._mine.n = nested + 1
        try:
            yield
        finally:
            self._mine.n = nested
            with self._cond:
                self._calls -= 1
                if self._calls == 0:
                    self._cond.notify_all()

    @contextmanager
    def close(self) -> Iterator[None]:
        if getattr(self._mine, "n", 0):
            raise RuntimeError("Client.close() called from inside a call on the same "
                               "client (e.g. from a transform)")
        with self._cond:
            while self._closers:          # one close() at a time
                self._cond.wait()
            self._closers = self._closing = True
            while self._calls:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._closers = False     # _closing stays: the client is gone
                self._cond.notify_all()


@dataclass
class _Pooled:
    """An applier kept for the next batch with the same configuration, and
    the Python transform it calls (if any)."""
    ptr: int
    tptr: Optional[int]                 # a C transform the pool owns
    py: Optional[_PyTransform]          # or the Python one it owns

    def free(self) -> None:
        lib.ddbxo_applier_free(self.ptr)
        if self.py is not None:
            self.py.free()
        elif self.tptr:
            lib.ddbxo_transform_free(self.tptr)


#: Idle appliers a client keeps per configuration, and configurations.
_POOL_PER_KEY = 4
_POOL_KEYS = 16


class Client:
    """A DynamoDB / Streams / SQS client: region, endpoints, credentials and a
    keep-alive connection pool.  Create one per process and reuse it; it is
    safe to share between threads.

    Region and credentials come from the standard AWS environment and files
    (``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, container
    credentials, ...) exactly as in the C library, unless given here.
    ``endpoint_url`` points DynamoDB, Streams and SQS at one URL (e.g.
    DynamoDB Local or moto); otherwise ``AWS_ENDPOINT_URL_*`` apply.
    A client is one side of a pipeline: for a target in another region give
    that ``region``; for a target in another account, ``role_arn`` (and
    ``external_id``) of a role there to assume with STS -- or nothing, when
    the table's resource-based policy lets this identity in and
    ``target_table`` is the table's ARN (docs/configuration.md).
    The library's log lines go to the ``logging`` logger "ddbxo".

    ``ca_file`` is the CA bundle for TLS; by default ``AWS_CA_BUNDLE``, else
    the system's (the manylinux wheel's library finds the usual bundle of
    Amazon Linux, Debian/Ubuntu, Fedora/RHEL, openSUSE or Alpine itself).

    Every method may run on many threads at once; ``close()`` waits for the
    calls in progress and then frees the client, and later calls raise
    :class:`ddbxo.ConfigError`.  ``process_batch`` keeps the appliers it
    makes (a configuration bound to the client, with its connections) and
    reuses them for later batches with the same settings.
    """

    def __init__(self, region: Optional[str] = None, endpoint_url: Optional[str] = None, *,
                 profile: Optional[str] = None,
                 aws_access_key_id: Optional[str] = None,
                 aws_secret_access_key: Optional[str] = None,
                 aws_session_token: Optional[str] = None,
                 max_connections: int = 0, max_attempts: int = 0,
                 connect_timeout_ms: int = 0, attempt_timeout_ms: int = 0,
                 allow_insecure_http: bool = False,
                 role_arn: Optional[str] = None,
                 external_id: Optional[str] = None,
                 ca_file: Optional[str] = None) -> None:
        self._ptr: Optional[int] = None
        self._creds: Optional[int] = None
        self._lock = _CallLock()
        self._pool_lock = threading.Lock()
        self._pool: "OrderedDict[Tuple[Any, ...], List[_Pooled]]" = OrderedDict()
        err = _ffi.CError()
        if aws_access_key_id is not None or aws_secret_access_key is not None:
            self._creds = lib.ddbxo_credentials_provider_static(
                _b(aws_access_key_id or ""), _b(aws_secret_access_key or ""),
                _b(aws_session_token), ctypes.byref(err))
            if not self._creds:
                raise from_c(err)
        cfg = _ffi.CClientConfig()
        cfg.region = _b(region)
        cfg.profile = _b(profile)
        ep = _b(endpoint_url)
        cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs = ep
        cfg.allow_insecure_http = int(allow_insecure_http)
        cfg.connect_timeout_ms = connect_timeout_ms
        cfg.attempt_timeout_ms = attempt_timeout_ms
        cfg.max_connections = max_connections
        cfg.ca_file = _b(ca_file or _ffi.default_ca_file())
        cfg.retry.max_attempts = max_attempts
        cfg.credentials = self._creds
        cfg.role_arn = _b(role_arn)
        cfg.external_id = _b(external_id)
        cfg.log = _LOG_CB
        cfg.log_level = max(10, log.getEffectiveLevel())
        ptr = lib.ddbxo_client_new(ctypes.byref(cfg), ctypes.byref(err))
        if not ptr:
            self._free_creds()
            raise from_c(err)
        self._ptr = ptr

    # -- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Frees the client once the calls running on it (on any thread)
        have returned; later calls raise :class:`ddbxo.ConfigError`.
        Idempotent.  Not from inside a call on this client (a transform):
        that raises RuntimeError."""
        with self._lock.close():
            with self._pool_lock:
                pooled = [p for idle in self._pool.values() for p in idle]
                self._pool.clear()
            for p in pooled:          # appliers borrow the client: first
                p.free()
            if self._ptr:
                lib.ddbxo_client_free(self._ptr)
                self._ptr = None
            self._free_creds()

    def _free_creds(self) -> None:
        if self._creds:
            lib.ddbxo_credentials_provider_free(self._creds)
            self._creds = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_lock", None) is not None:
                self.close()
        except Exception:
            pass

    def _handle(self) -> int:
        if not self._ptr:
            raise ConfigError("the client is closed", code=E_CONFIG)
        return self._ptr

    @property
    def region(self) -> str:
        with self._lock.call():
            return _ffi.text(lib.ddbxo_client_region(self._handle())) or ""

    # -- calls ------------------------------------------------------------

    def call(self, operation: str, request: Optional[Mapping[str, Any]] = None, *,
             service: str = "dynamodb", deadline_ms: int = 0) -> Dict[str, Any]:
        """One signed call (with retries), e.g. ``call("DescribeTable",
        {"TableName": "t"})``; ``service`` is "dynamodb", "streams" or
        "sqs".  Request and response are the services' JSON (DynamoDB JSON
        for items).  Raises a :class:`ddbxo.Error` subclass."""
        svc = int(lib.ddbxo_service_from_name(service.encode("utf-8", "replace")))
        if svc < 0:
            raise ValidationError(f"unknown service {service!r}", code=E_INVALID)
        body = json.dumps(dict(request or {}), separators=(",", ":")).encode("utf-8")
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        detail = ctypes.c_void_p()
        err = _ffi.CError()
        with self._lock.call():
            rc = lib.ddbxo_call_ex(self._handle(), svc,
                                   operation.encode("ascii"), body, len(body), deadline_ms,
                                   ctypes.byref(out), ctypes.byref(n), ctypes.byref(detail),
                                   ctypes.byref(err))
        if rc != 0:
            e = from_c(err)
            if detail.value:
                full = _ffi.text(lib.ddbxo_aws_detail_message(detail.value))
                if full:
                    e.message = full
                    e.args = (full,)
                e.cancellation_reasons = [  # type: ignore[attr-defined]
                    _ffi.text(lib.ddbxo_aws_detail_reason_code(detail.value, i))
                    for i in range(lib.ddbxo_aws_detail_reason_count(detail.value))]
                lib.ddbxo_aws_detail_free(detail.value)
            raise e
        data = _ffi.take_string(out.value, n.value) or b"{}"
        result: Dict[str, Any] = json.loads(data)
        return result

    def process_batch(self, event: EventLike, *, target_table: str,
                      mode: str = "replicate",
                      transform: TransformLike = None,
                      aggregate: Optional[str] = None,
                      ledger_table: Optional[str] = None,
                      source_table: Optional[str] = None,
                      source_version_attr: Optional[str] = None,
                      version_attr: Optional[str] = None,
                      hard_delete: bool = False,
                      no_coalesce: bool = False,
                      park_queue_url: Optional[str] = None,
                      ttl_attr: Optional[str] = None,
                      tombstone_ttl_s: int = 0,
                      ledger_ttl_s: int = 0,
                      max_inflight: int = 0,
                      shard_id: Optional[str] = None,
                      deadline_ms: int = 0,
                      remaining_ms: Optional[int] = None) -> BatchResult:
        """Applies every record of a Lambda DynamoDB event with an
        exactly-once effect and returns the partial batch response plus
        outcome counts (:class:`BatchResult`)::

            def handler(event, context):
                return client.process_batch(event, target_table="Orders",
                                            remaining_ms=context.get_remaining_time_in_millis() - 1000)

        ``mode`` is "replicate", "ledger" or "tracker" (docs/exactly-once.md §3);
        ``transform`` a Python callable (Record -> item dict, list of writes
        in the TransactItems shape with Python values, or None to skip), a
        declarative spec, or None for identity; ``aggregate`` "GROUP:SUM"
        (ledger/tracker modes).  A Python transform that raises fails only
        its record (reported in ``batchItemFailures`` and ``errors``).
        ``deadline_ms`` is epoch milliseconds; ``remaining_ms`` a budget
        from now.  Raises :class:`ddbxo.ConfigError` for a bad
        configuration and :class:`ddbxo.ValidationError` for an unusable
        document; record failures are in the result, not raised.
        """
        ev = _Event(event)
        m = _check_mode(mode, ledger_table, transform, aggregate)
        fn: Optional[TransformFn] = None
        if callable(transform) and not isinstance(transform, (str, Mapping)):
            fn = transform
        cfg = _apply_config(m, target_table, ledger_table, source_table,
                            source_version_attr, version_attr, hard_delete,
                            no_coalesce, park_queue_url, ttl_attr,
                            tombstone_ttl_s, ledger_ttl_s, max_inflight)
        opt = _ffi.CApplyOptions()
        if remaining_ms is not None:
            deadline_ms = int(time.time() * 1000) + int(remaining_ms)
        opt.deadline_ms = deadline_ms
        opt.shard_id = _b(shard_id)
        with self._lock.call():
            handle = self._handle()
            key = (_transform_key(fn, transform, aggregate),
                   *(getattr(cfg, f[0]) for f in _ffi.CApplyConfig._fields_
                     if f[0] != "transform"))
            pooled = self._checkout(key)
            if pooled is None:
                pooled = self._new_applier(handle, cfg, fn, ev, transform, aggregate)
            py = pooled.py
            if py is not None and fn is not None:
                py.bind(fn, ev)
            keep = False
            try:
                err = _ffi.CError()
                # ctypes releases the GIL for the call; the transform
                # callback runs on this same thread and takes it back.
                res = lib.ddbxo_process_batch(pooled.ptr, ev.ptr, ctypes.byref(opt),
                                              ctypes.byref(err))
                keep = True
                if not res:
                    raise from_c(err)
                try:
                    out = _result(res, ev, py)
                finally:
                    lib.ddbxo_batch_result_free(res)
                if py is not None and py.fatal is not None:
                    raise py.fatal
                return out
            finally:
                if py is not None:
                    py.unbind()
                if keep:
                    self._checkin(key, pooled)
                else:
                    pooled.free()

    def redrive(self, queue_url: str, *, target_table: str,
                mode: str = "replicate",
                transform: TransformLike = None,
                aggregate: Optional[str] = None,
                ledger_table: Optional[str] = None,
                source_table: Optional[str] = None,
                source_version_attr: Optional[str] = None,
                version_attr: Optional[str] = None,
                hard_delete: bool = False,
                no_coalesce: bool = False,
                park_queue_url: Optional[str] = None,
                ttl_attr: Optional[str] = None,
                tombstone_ttl_s: int = 0,
                ledger_ttl_s: int = 0,
                max_inflight: int = 0,
                shard_id: Optional[str] = None,
                max_messages: int = 0,
                wait_s: int = 1,
                tries: int = 0,
                source_client: Optional["Client"] = None) -> RedriveResult:
        """Takes messages from the SQS queue ``queue_url`` and applies their
        records with an exactly-once effect, as ``ddbxo redrive`` does
        (docs/redrive.md)::

            result = client.redrive(park_url, target_table="Orders",
                                    transform=fixed_spec)
            if not result.ok:
                log.warning("kept %d message(s): %s", result.kept, result.warnings)

        A park message (``park_queue_url`` of :meth:`process_batch`, the CLI
        or the Lambda bootstrap) carries its record; a Lambda on-failure
        record (``DDBStreamBatchInfo``) names a range that is read back
        from the stream while the stream holds it.  A message is deleted
        once every record of it is APPLIED, DUPLICATE, STALE, SUPERSEDED,
        COALESCED, FILTERED or PARKED; anything else stays in the queue
        and is said in ``warnings`` (and logged to the "ddbxo" logger).
        A record applied before comes back DUPLICATE (or STALE), never
        twice.

        The apply options are :meth:`process_batch`'s; ``source_table``
        None takes each record's ``eventSourceARN``, else the park
        message's table.  ``park_queue_url`` parks records that still
        cannot succeed; it must be another queue than ``queue_url``.
        ``shard_id`` is, in tracker mode, the shard of parked records
        (on-failure records name their own).  ``max_messages`` 0 takes
        messages until a receive finds no new one; ``wait_s`` (0..20) is
        each receive's long-poll wait; ``tries`` (0 = 5, at most 100) is
        how often a message's retryably failed records are applied before
        it is kept.

        This client is the target side: it reaches the queue, the target
        and the ledger.  ``source_client`` reads on-failure ranges back
        from the stream when that is elsewhere (another region, another
        account's role); None = this client.

        Raises :class:`ddbxo.ConfigError` or :class:`ddbxo.ValidationError`
        when nothing could start (a bad configuration); records and
        messages that did not settle are in the :class:`RedriveResult`,
        not raised.  The call blocks until the queue is drained (or
        ``max_messages`` are taken); the GIL is released meanwhile.
        """
        m = _check_mode(mode, ledger_table, transform, aggregate)
        fn: Optional[TransformFn] = None
        if callable(transform) and not isinstance(transform, (str, Mapping)):
            fn = transform
        rc = _ffi.CRedriveConfig()
        rc.queue_url = _b(queue_url)
        rc.apply = _apply_config(m, target_table, ledger_table, source_table,
                                 source_version_attr, version_attr, hard_delete,
                                 no_coalesce, park_queue_url, ttl_attr,
                                 tombstone_ttl_s, ledger_ttl_s, max_inflight)
        rc.shard_id = _b(shard_id)
        rc.max_messages = max_messages
        rc.wait_s = wait_s
        rc.tries = tries
        warnings: List[str] = []

        def say(ctx: Any, level: int, msg: bytes) -> None:
            # Called by C on this thread; nothing may propagate into C.
            try:
                line = msg.decode("utf-8", "replace")
                warnings.append(line)
                log.log(level, "%s", line)
            except Exception:
                pass

        rc.log = _ffi.LOG_FN(say)   # kept alive by rc for the call
        src = self if source_client is None else source_client
        py: Optional[_PyTransform] = None
        tptr: Optional[int] = None
        with self._lock.call(), src._lock.call():
            try:
                if fn is not None:
                    py = _PyTransform(fn, _Event.empty())
                    tptr = py.ptr
                else:
                    tptr = _make_transform(transform, aggregate)
                rc.apply.transform = tptr
                out = ctypes.c_void_p()
                n = ctypes.c_size_t()
                err = _ffi.CError()
                status = lib.ddbxo_redrive_run(src._handle(), self._handle(),
                                               ctypes.byref(rc), ctypes.byref(out),
                                               ctypes.byref(n), ctypes.byref(err))
                data = _ffi.take_string(out.value, n.value)
                if status < 0:
                    raise from_c(err)
                if py is not None and py.fatal is not None:
                    raise py.fatal
            finally:
                if py is not None:
                    py.free()
                elif tptr:
                    lib.ddbxo_transform_free(tptr)
        failed: Optional[Error] = from_c(err) if status > 0 and err.code else None
        return _redrive_result(json.loads(data or b"{}"), warnings, failed)

    # -- the applier pool ---------------------------------------------------

    def _checkout(self, key: Tuple[Any, ...]) -> Optional[_Pooled]:
        with self._pool_lock:
            idle = self._pool.get(key)
            if not idle:
                return None
            self._pool.move_to_end(key)
            return idle.pop()

    def _checkin(self, key: Tuple[Any, ...], pooled: _Pooled) -> None:
        drop: List[_Pooled] = []
        with self._pool_lock:
            idle = self._pool.setdefault(key, [])
            self._pool.move_to_end(key)
            if len(idle) < _POOL_PER_KEY:
                idle.append(pooled)
            else:
                drop.append(pooled)
            while len(self._pool) > _POOL_KEYS:
                _, old = self._pool.popitem(last=False)
                drop.extend(old)
        for p in drop:
            p.free()

    def _new_applier(self, handle: int, cfg: _ffi.CApplyConfig, fn: Optional[TransformFn],
                     ev: _Event, transform: TransformLike,
                     aggregate: Optional[str]) -> _Pooled:
        py: Optional[_PyTransform] = None
        tptr: Optional[int] = None
        try:
            if fn is not None:
                py = _PyTransform(fn, ev)
                tptr = py.ptr
            else:
                tptr = _make_transform(transform, aggregate)
            cfg.transform = tptr
            err = _ffi.CError()
            applier = lib.ddbxo_applier_new(handle, ctypes.byref(cfg), ctypes.byref(err))
            if not applier:
                raise from_c(err)
        except BaseException:
            if py is not None:
                py.free()
            elif tptr:
                lib.ddbxo_transform_free(tptr)
            raise
        return _Pooled(int(applier), tptr if py is None else None, py)


def _transform_key(fn: Optional[TransformFn], transform: TransformLike,
                   aggregate: Optional[str]) -> Tuple[Any, ...]:
    """What makes two batches' transforms the same C transform.  A Python
    callable's pooled transform calls whichever function the batch gives."""
    if fn is not None:
        return ("python",)
    if aggregate is not None:
        return ("aggregate", aggregate, transform is None)
    if transform is None or transform == "identity":
        return ("identity",)
    if isinstance(transform, Mapping):
        return ("spec", json.dumps(transform))
    return ("spec", transform)


def _result(res: int, ev: _Event, py: Optional[_PyTransform]) -> BatchResult:
    n = ctypes.c_size_t()
    summary = ctypes.string_at(lib.ddbxo_batch_result_summary(res, ctypes.byref(n)), n.value)
    out = BatchResult(json.loads(summary))
    out.outcomes = []
    out.errors = {}
    for i in range(lib.ddbxo_batch_result_count(res)):
        out.outcomes.append(_ffi.text(lib.ddbxo_outcome_name(
            lib.ddbxo_batch_result_outcome(res, i))) or "UNKNOWN")
        e = lib.ddbxo_batch_result_error(res, i)
        if e:
            err = from_c(e.contents)
            rp = ev.ptrs[i] if i < len(ev.ptrs) else 0
            if py is not None and rp and rp in py.exceptions:
                err.__cause__ = py.exceptions[rp]
            out.errors[i] = err
    return out


def transform_writes(record: Union[Record, EventLike], transform: TransformLike = None,
                     *, aggregate: Optional[str] = None) -> List[Dict[str, Any]]:
    """Runs a transform on one record without writing anything and returns
    its writes in the TransactItems shape (DynamoDB JSON); [] = skip.  What
    ``ddbxo apply --dry-run`` shows."""
    rec = record if isinstance(record, Record) else None
    owner: Optional[_Owner] = None
    if rec is None:
        data = _to_bytes(record, "record")
        err = _ffi.CError()
        ptr = lib.ddbxo_parse_stream_record(data, len(data), ctypes.byref(err))
        if not ptr:
            raise from_c(err)
        owner = _Owner(ptr, lib.ddbxo_record_free)
        rec = _record(ptr, owner)
    py: Optional[_PyTransform] = None
    if callable(transform) and not isinstance(transform, (str, Mapping)):
        py = _PyTransform(transform, _Event.of_record(rec))
        tptr: Optional[int] = py.ptr
    else:
        tptr = _make_transform(transform, aggregate)
    try:
        n = ctypes.c_size_t()
        err = _ffi.CError()
        text = _ffi.take_string(lib.ddbxo_transform_run(tptr, rec._ptr, ctypes.byref(n),
                                                        ctypes.byref(err)), n.value)
        if text is None:
            e = from_c(err)
            if py is not None and rec._ptr in py.exceptions:
                exc = py.exceptions[rec._ptr]
                if not isinstance(exc, Exception):
                    raise exc
                raise e from exc
            raise e
        writes: List[Dict[str, Any]] = json.loads(text)
        return writes
    finally:
        if py is not None:
            py.free()
        elif tptr:
            lib.ddbxo_transform_free(tptr)
