"""AWS Signature Version 4 through libddbxo (docs/sigv4.md).

Mostly for tests and tools: the client signs its own requests.
"""
from __future__ import annotations

import ctypes
import datetime as _dt
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _ffi
from .errors import from_c

lib = _ffi.lib

#: Sign the path verbatim (S3 style) instead of normalising it.
NO_NORMALIZE_PATH = 0x1
#: Add X-Amz-Security-Token after signing, unsigned.
UNSIGNED_TOKEN = 0x2
#: Add and sign x-amz-content-sha256 (S3 style).
CONTENT_SHA256 = 0x4

Headers = Sequence[Tuple[str, str]]
When = Union[_dt.datetime, int, None]


def enc(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


class _Call:
    """The C request and params, with every buffer they point at kept alive."""

    def __init__(self, method: str, path: Optional[str], query: Optional[str],
                 headers: Headers, body: bytes, payload_hash: Optional[str],
                 access_key_id: str, secret_access_key: str,
                 session_token: Optional[str], region: str, service: str,
                 when: When, flags: int) -> None:
        self.keep: List[Any] = []
        hs = (_ffi.CSigv4Header * max(1, len(headers)))()
        for i, (name, value) in enumerate(headers):
            hs[i].name = enc(name)
            hs[i].value = enc(value)
        self.body = ctypes.create_string_buffer(bytes(body), len(body))
        self.req = _ffi.CSigv4Request(
            method=enc(method), path=enc(path), query=enc(query), headers=hs,
            n_headers=len(headers),
            body=ctypes.cast(self.body, ctypes.c_void_p) if body else None,
            body_len=len(body), payload_hash=enc(payload_hash))
        self.keep.append(hs)
        amz_date: Optional[bytes] = None
        t = 0
        if isinstance(when, _dt.datetime):
            if when.tzinfo is None:
                raise ValueError("when must be timezone-aware (UTC)")
            amz_date = when.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ").encode()
        elif when is not None:
            t = int(when)
        self.params = _ffi.CSigv4Params(
            access_key_id=enc(access_key_id), secret_access_key=enc(secret_access_key),
            session_token=enc(session_token), region=enc(region), service=enc(service),
            amz_date=amz_date, time=t, flags=flags)


def sign(*, method: str = "POST", path: str = "/", query: Optional[str] = None,
         headers: Headers, body: bytes = b"", payload_hash: Optional[str] = None,
         access_key_id: str, secret_access_key: str,
         session_token: Optional[str] = None, region: str,
         service: str = "dynamodb", when: When = None,
         flags: int = 0) -> List[Tuple[str, str]]:
    """Signs a request; returns the headers to add, in sending order
    (X-Amz-Date, [x-amz-content-sha256], [X-Amz-Security-Token],
    Authorization).  ``headers`` must include Host.  ``when`` is an aware
    datetime, Unix seconds, or None for now."""
    c = _Call(method, path, query, headers, body, payload_hash, access_key_id,
              secret_access_key, session_token, region, service, when, flags)
    n = ctypes.c_size_t()
    err = _ffi.CError()
    out = lib.ddbxo_sigv4_sign(ctypes.byref(c.req), ctypes.byref(c.params),
                               ctypes.byref(n), ctypes.byref(err))
    if not out:
        raise from_c(err)
    try:
        return [((out[i].name or b"").decode(), (out[i].value or b"").decode())
                for i in range(n.value)]
    finally:
        lib.ddbxo_sigv4_headers_free(out)


def canonical_request(*, method: str = "POST", path: str = "/",
                      query: Optional[str] = None, headers: Headers,
                      body: bytes = b"", payload_hash: Optional[str] = None,
                      region: str = "us-east-1", service: str = "dynamodb",
                      session_token: Optional[str] = None, when: When = None,
                      flags: int = 0) -> str:
    """Step 1 of the spec: the canonical request text."""
    c = _Call(method, path, query, headers, body, payload_hash, "", "",
              session_token, region, service, when, flags)
    err = _ffi.CError()
    out = lib.ddbxo_sigv4_canonical_request(ctypes.byref(c.req), ctypes.byref(c.params),
                                            ctypes.byref(err))
    if not out:
        raise from_c(err)
    return (_ffi.take_string(out) or b"").decode("utf-8")


def string_to_sign(canonical: str, *, region: str, service: str = "dynamodb",
                   when: When = None) -> str:
    """Step 2 of the spec: the string to sign for a canonical request."""
    c = _Call("POST", "/", None, [], b"", None, "", "", None, region, service, when, 0)
    err = _ffi.CError()
    out = lib.ddbxo_sigv4_string_to_sign(canonical.encode("utf-8"), ctypes.byref(c.params),
                                         ctypes.byref(err))
    if not out:
        raise from_c(err)
    return (_ffi.take_string(out) or b"").decode("utf-8")


__all__ = ["sign", "canonical_request", "string_to_sign", "NO_NORMALIZE_PATH",
           "UNSIGNED_TOKEN", "CONTENT_SHA256"]
