"""Loading libddbxo and declaring the parts of include/ddbxo.h we call.

ctypes, not cffi: see the package README for why.  Every struct below
mirrors the C header field by field; tests/test_abi.py compiles a probe
against the header and compares offsets, so a drift fails loudly.

Numbers the library decides (enum values, buffer sizes, limits) are not
written here: :func:`constant` reads them from the loaded library's table
(include/ddbxo/sys/binding.h), and loading fails if a struct mirrored here
has another size than the library's.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_int,
    c_int64,
    c_long,
    c_longlong,
    c_size_t,
    c_uint,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Dict, List, Optional, Tuple

SONAME = "libddbxo.so.0"
#: Environment variable naming the shared library file to load.
ENV_LIBRARY = "DDBXO_LIBRARY"

HERE = Path(__file__).resolve().parent
#: The library a wheel or ``pip install`` puts inside the package.
BUNDLED = HERE / SONAME


def _candidates() -> List[str]:
    """Where libddbxo is looked for, in order (documented in README.md)."""
    out: List[str] = []
    if BUNDLED.exists():
        out.append(str(BUNDLED))          # the package's own: no set-up needed
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return out + [env]  # an explicit choice is never second-guessed
    # A source checkout: bindings/python/src/ddbxo/ -> <repo>/build/.
    for up in HERE.parents:
        lib = up / "build" / "libddbxo.so"
        if (up / "include" / "ddbxo.h").is_file() and lib.exists():
            out.append(str(lib))
            break
    out.append(SONAME)
    found = ctypes.util.find_library("ddbxo")
    if found:
        out.append(found)
    return out


def _open() -> ctypes.CDLL:
    tried: List[str] = []
    for cand in _candidates():
        try:
            return ctypes.CDLL(cand)
        except OSError as e:
            tried.append(f"{cand}: {e}")
    raise ImportError(
        "ddbxo: cannot load libddbxo (the package carries none: set "
        "DDBXO_LIBRARY to the path of libddbxo.so, or install it where the "
        "system loader finds it); tried: " + "; ".join(tried))


lib = _open()


class CConstant(Structure):
    """``ddbxo_constant``: one row of the library's table of constants."""
    _fields_ = [("name", c_char_p), ("group", c_char_p), ("value", c_longlong)]


def _declare_table(dll: ctypes.CDLL) -> None:
    try:
        dll.ddbxo_constant_value.restype = c_int
        dll.ddbxo_constant_value.argtypes = [c_char_p, POINTER(c_longlong)]
        dll.ddbxo_constants.restype = POINTER(CConstant)
        dll.ddbxo_constants.argtypes = [POINTER(c_size_t)]
    except AttributeError:
        raise ImportError(f"ddbxo: {dll._name} has no table of constants "
                          "(ddbxo_constant_value): the library is older than "
                          "this binding") from None


_declare_table(lib)


def constant(name: str) -> int:
    """The value of one of the library's named constants, e.g.
    ``constant("DDBXO_E_LIMIT")`` or ``constant("DDBXO_MAX_WRITES")``
    (include/ddbxo/sys/binding.h lists what the table holds).  KeyError
    for a name the library does not know."""
    out = c_longlong()
    if lib.ddbxo_constant_value(name.encode("ascii"), ctypes.byref(out)) != 0:
        raise KeyError(name)
    return int(out.value)


def constants() -> Dict[str, Tuple[str, int]]:
    """The library's whole table of constants: name -> (group, value)."""
    n = c_size_t()
    table = lib.ddbxo_constants(ctypes.byref(n))
    return {text(table[i].name) or "": (text(table[i].group) or "", int(table[i].value))
            for i in range(n.value)}


DDBXO_DEDUP_KEY_BUFSIZE = constant("DDBXO_DEDUP_KEY_BUFSIZE")
DDBXO_TOKEN_BUFSIZE = constant("DDBXO_TOKEN_BUFSIZE")
DDBXO_SIGV4_HEX_BUFSIZE = constant("DDBXO_SIGV4_HEX_BUFSIZE")


class CError(Structure):
    _fields_ = [
        ("code", c_int),
        ("retryable", c_int),
        ("ambiguous", c_int),
        ("http_status", c_long),
        ("aws_type", c_char * constant("DDBXO_ERROR_AWS_TYPE_BUFSIZE")),
        ("request_id", c_char * constant("DDBXO_ERROR_REQUEST_ID_BUFSIZE")),
        ("path", c_char * constant("DDBXO_ERROR_PATH_BUFSIZE")),
        ("message", c_char * constant("DDBXO_ERROR_MESSAGE_BUFSIZE")),
    ]


class CRetryConfig(Structure):
    _fields_ = [
        ("max_attempts", c_int),
        ("base_transient_ms", c_int64),
        ("base_throttle_ms", c_int64),
        ("max_backoff_ms", c_int64),
        ("retry_after_max_ms", c_int64),
        ("quota_tokens", c_uint),
        ("quota_retry_cost", c_uint),
        ("quota_throttle_cost", c_uint),
        ("quota_success_refund", c_uint),
        ("flags", c_uint),
        ("jitter_seed", c_uint64),
    ]


LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)


class CClientConfig(Structure):
    _fields_ = [
        ("region", c_char_p),
        ("profile", c_char_p),
        ("endpoint_dynamodb", c_char_p),
        ("endpoint_streams", c_char_p),
        ("endpoint_sqs", c_char_p),
        ("allow_insecure_http", c_int),
        ("connect_timeout_ms", c_int64),
        ("attempt_timeout_ms", c_int64),
        ("max_connections", c_int),
        ("max_response_bytes", c_size_t),
        ("ca_file", c_char_p),
        ("retry", CRetryConfig),
        ("credentials", c_void_p),
        ("log", LOG_FN),
        ("log_ctx", c_void_p),
        ("log_level", c_int),
        ("role_arn", c_char_p),
        ("external_id", c_char_p),
    ]


class CApplyConfig(Structure):
    _fields_ = [
        ("mode", c_int),
        ("target_table", c_char_p),
        ("ledger_table", c_char_p),
        ("source_table", c_char_p),
        ("source_version_attr", c_char_p),
        ("version_attr", c_char_p),
        ("transform", c_void_p),
        ("hard_delete", c_int),
        ("no_coalesce", c_int),
        ("ttl_attr", c_char_p),
        ("tombstone_ttl_s", c_int64),
        ("ledger_ttl_s", c_int64),
        ("park_queue_url", c_char_p),
        ("max_inflight", c_int),
    ]


class CRedriveConfig(Structure):
    """``ddbxo_redrive_config`` (include/ddbxo/sys/redrive.h)."""
    _fields_ = [
        ("queue_url", c_char_p),
        ("apply", CApplyConfig),
        ("shard_id", c_char_p),
        ("max_messages", c_longlong),
        ("wait_s", c_int),
        ("tries", c_int),
        ("log", LOG_FN),
        ("log_ctx", c_void_p),
    ]


class CApplyOptions(Structure):
    _fields_ = [("deadline_ms", c_int64), ("shard_id", c_char_p)]


class CModeOptions(Structure):
    """``ddbxo_mode_options``: the mode and transform options as given."""
    _fields_ = [
        ("mode_name", c_char_p),
        ("mode", c_int),
        ("ledger_table", c_char_p),
        ("transforms", c_int),
        ("aggregate", c_int),
        ("names", POINTER(c_char_p)),
    ]


class CSigv4Header(Structure):
    _fields_ = [("name", c_char_p), ("value", c_char_p)]


class CSigv4Request(Structure):
    _fields_ = [
        ("method", c_char_p),
        ("path", c_char_p),
        ("query", c_char_p),
        ("headers", POINTER(CSigv4Header)),
        ("n_headers", c_size_t),
        ("body", c_void_p),
        ("body_len", c_size_t),
        ("payload_hash", c_char_p),
    ]


class CSigv4Params(Structure):
    _fields_ = [
        ("access_key_id", c_char_p),
        ("secret_access_key", c_char_p),
        ("session_token", c_char_p),
        ("region", c_char_p),
        ("service", c_char_p),
        ("amz_date", c_char_p),
        ("time", ctypes.c_long),  # time_t is a long on the LP64 targets we build for
        ("flags", c_uint),
    ]


# int fn(void *ctx, const ddbxo_record *rec, ddbxo_writes *out, ddbxo_error *err)
TRANSFORM_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p, POINTER(CError))

_P = c_void_p
_E = POINTER(CError)
_SZ = POINTER(c_size_t)

# name: (restype, argtypes).  Functions returning memory we must free are
# declared c_void_p so ctypes does not copy-and-drop the pointer.
_PROTOS = {
    "ddbxo_version": (c_char_p, []),
    "ddbxo_code_name": (c_char_p, [c_int]),
    "ddbxo_free": (None, [c_void_p]),
    "ddbxo_value_free": (None, [_P]),
    "ddbxo_value_to_json": (c_void_p, [_P, _SZ]),
    # record
    "ddbxo_parse_stream_event": (_P, [c_char_p, c_size_t, _E]),
    "ddbxo_event_free": (None, [_P]),
    "ddbxo_event_count": (c_size_t, [_P]),
    "ddbxo_event_record": (_P, [_P, c_size_t]),
    "ddbxo_event_error": (_E, [_P, c_size_t]),
    "ddbxo_parse_stream_record": (_P, [c_char_p, c_size_t, _E]),
    "ddbxo_record_free": (None, [_P]),
    "ddbxo_record_event_id": (c_char_p, [_P]),
    "ddbxo_record_event_name_str": (c_char_p, [_P]),
    "ddbxo_record_event_source_arn": (c_char_p, [_P]),
    "ddbxo_record_aws_region": (c_char_p, [_P]),
    "ddbxo_record_sequence_number": (c_char_p, [_P]),
    "ddbxo_record_size_bytes": (c_int64, [_P]),
    "ddbxo_record_stream_view_type": (c_char_p, [_P]),
    "ddbxo_record_approx_creation_ms": (c_int64, [_P]),
    "ddbxo_record_ttl_delete": (c_int, [_P]),
    "ddbxo_record_keys": (_P, [_P]),
    "ddbxo_record_new_image": (_P, [_P]),
    "ddbxo_record_old_image": (_P, [_P]),
    "ddbxo_record_to_json": (c_void_p, [_P, _SZ]),
    # dedup
    "ddbxo_dedup_key": (c_int, [_P, c_char_p, c_char_p, _E]),
    "ddbxo_dedup_canonical": (c_int, [_P, c_char_p, POINTER(c_void_p), _SZ, _E]),
    "ddbxo_client_request_token": (c_int, [POINTER(c_char_p), c_size_t, c_char_p, _E]),
    # sigv4
    "ddbxo_sigv4_canonical_request": (c_void_p, [POINTER(CSigv4Request), POINTER(CSigv4Params), _E]),
    "ddbxo_sigv4_string_to_sign": (c_void_p, [c_char_p, POINTER(CSigv4Params), _E]),
    "ddbxo_sigv4_sign": (POINTER(CSigv4Header), [POINTER(CSigv4Request), POINTER(CSigv4Params), _SZ, _E]),
    "ddbxo_sigv4_headers_free": (None, [POINTER(CSigv4Header)]),
    # creds and client
    "ddbxo_credentials_provider_static": (_P, [c_char_p, c_char_p, c_char_p, _E]),
    "ddbxo_credentials_provider_free": (None, [_P]),
    "ddbxo_client_new": (_P, [POINTER(CClientConfig), _E]),
    "ddbxo_client_free": (None, [_P]),
    "ddbxo_client_region": (c_char_p, [_P]),
    "ddbxo_call_ex": (c_int, [_P, c_int, c_char_p, c_char_p, c_size_t, c_int64,
                              POINTER(c_void_p), _SZ, POINTER(c_void_p), _E]),
    "ddbxo_aws_detail_free": (None, [_P]),
    "ddbxo_aws_detail_message": (c_char_p, [_P]),
    "ddbxo_aws_detail_reason_count": (c_size_t, [_P]),
    "ddbxo_aws_detail_reason_code": (c_char_p, [_P, c_size_t]),
    # transform
    "ddbxo_writes_put": (c_int, [_P, c_char_p, c_char_p, c_size_t, _E]),
    "ddbxo_writes_add_json": (c_int, [_P, c_char_p, c_size_t, _E]),
    "ddbxo_transform_new": (_P, [TRANSFORM_FN, c_void_p, _E]),
    "ddbxo_transform_identity": (_P, [_E]),
    "ddbxo_transform_spec": (_P, [c_char_p, c_size_t, _E]),
    "ddbxo_transform_aggregate": (_P, [c_char_p, _E]),
    "ddbxo_transform_free": (None, [_P]),
    "ddbxo_transform_run": (c_void_p, [_P, _P, _SZ, _E]),
    # what a binding reads from the library (ddbxo/sys/binding.h)
    "ddbxo_constant_name": (c_char_p, [c_char_p, c_longlong]),
    "ddbxo_code_from_name": (c_int, [c_char_p]),
    "ddbxo_outcome_from_name": (c_int, [c_char_p]),
    "ddbxo_service_from_name": (c_int, [c_char_p]),
    "ddbxo_aws_type_is_throttle": (c_int, [c_char_p]),
    "ddbxo_error_is_throttle": (c_int, [_E]),
    "ddbxo_mode_options_check": (c_int, [POINTER(CModeOptions), _E]),
    "ddbxo_mode_options_check_transform": (c_int, [POINTER(CModeOptions), _E]),
    "ddbxo_write_member_holds_values": (c_int, [c_char_p]),
    # apply and batch
    "ddbxo_mode_from_name": (c_int, [c_char_p]),
    "ddbxo_mode_name": (c_char_p, [c_int]),
    "ddbxo_outcome_name": (c_char_p, [c_int]),
    "ddbxo_applier_new": (_P, [_P, POINTER(CApplyConfig), _E]),
    "ddbxo_applier_free": (None, [_P]),
    "ddbxo_process_batch": (_P, [_P, _P, POINTER(CApplyOptions), _E]),
    "ddbxo_batch_result_free": (None, [_P]),
    "ddbxo_batch_result_count": (c_size_t, [_P]),
    "ddbxo_batch_result_outcome": (c_int, [_P, c_size_t]),
    "ddbxo_batch_result_error": (_E, [_P, c_size_t]),
    "ddbxo_batch_result_summary": (ctypes.c_void_p, [_P, _SZ]),
    # redrive (ddbxo/sys/redrive.h)
    "ddbxo_redrive_run": (c_int, [_P, _P, POINTER(CRedriveConfig), POINTER(c_void_p), _SZ, _E]),
}


#: The structs mirrored above, by the name of their size in the library's
#: table: a library built from another header fails to load.
_SIZES = {
    "DDBXO_SIZEOF_ERROR": CError,
    "DDBXO_SIZEOF_RETRY_CONFIG": CRetryConfig,
    "DDBXO_SIZEOF_CLIENT_CONFIG": CClientConfig,
    "DDBXO_SIZEOF_APPLY_CONFIG": CApplyConfig,
    "DDBXO_SIZEOF_APPLY_OPTIONS": CApplyOptions,
    "DDBXO_SIZEOF_MODE_OPTIONS": CModeOptions,
    "DDBXO_SIZEOF_REDRIVE_CONFIG": CRedriveConfig,
}


def _declare(dll: ctypes.CDLL) -> None:
    missing = []
    for name, (res, args) in _PROTOS.items():
        try:
            fn = getattr(dll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = res
        fn.argtypes = args
    if missing:
        raise ImportError(f"ddbxo: {dll._name} lacks {', '.join(missing)}: "
                          "the library is older than this binding")
    for cname, py in _SIZES.items():
        if constant(cname) != ctypes.sizeof(py):
            raise ImportError(f"ddbxo: {dll._name} has {cname} = {constant(cname)}, "
                              f"this binding {ctypes.sizeof(py)}: the library was "
                              "built from another header than this binding")


_declare(lib)
#: The path or name the library was loaded from.
library_path: str = lib._name
#: True when that is the package's own copy.
library_bundled: bool = library_path == str(BUNDLED)


def _static_tls() -> bool:
    """Whether the bundled library carries its own libcurl and OpenSSL (the
    manylinux wheel's does; one built by ``pip install`` from source links
    the system's).  setup.py writes ddbxo/_build.py beside the library."""
    if not library_bundled:
        return False
    try:
        build = importlib.import_module("._build", __package__)
    except ImportError:
        return False
    return bool(getattr(build, "STATIC_TLS", False))


#: CA bundles of the common distributions, Amazon Linux's first.
CA_BUNDLES = (
    "/etc/pki/tls/certs/ca-bundle.crt",        # Amazon Linux, Fedora, RHEL
    "/etc/ssl/certs/ca-certificates.crt",      # Debian, Ubuntu, Arch, Alpine
    "/etc/ssl/ca-bundle.pem",                  # openSUSE
    "/etc/ssl/cert.pem",                       # Alpine, macOS-like layouts
)


def default_ca_file() -> Optional[str]:
    """The CA bundle to give a client that was given none: ``AWS_CA_BUNDLE``
    (as botocore reads it); else, for the wheel's self-contained library,
    whose libcurl was built for Amazon Linux's path, the first bundle of
    :data:`CA_BUNDLES` that exists here; else None (libcurl's default)."""
    env = os.environ.get("AWS_CA_BUNDLE")
    if env:
        return env
    if _static_tls():
        for path in CA_BUNDLES:
            if os.path.isfile(path):
                return path
    return None


def take_string(ptr: Optional[int], length: Optional[int] = None) -> Optional[bytes]:
    """Copies a library-allocated buffer and frees it."""
    if not ptr:
        return None
    try:
        if length is None:
            return ctypes.string_at(ptr)
        return ctypes.string_at(ptr, length)
    finally:
        lib.ddbxo_free(ptr)


def text(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")
