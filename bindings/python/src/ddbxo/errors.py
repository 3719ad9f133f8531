"""The exception hierarchy: one class per ddbxo_code, carrying ddbxo_error's fields."""
from __future__ import annotations

import ctypes
from typing import Dict, Optional, Type

from . import _ffi

# ddbxo_code numbers, read from the library's table of constants
# (include/ddbxo/sys/binding.h): E_LIMIT is DDBXO_E_LIMIT, and so on.
(OK, E_INVALID, E_NOMEM, E_LIMIT, E_IO, E_CONFIG, E_HTTP, E_AWS, E_CONDITION,
 E_CANCELLED, E_TIMEOUT, E_INTERNAL) = (_ffi.constant("DDBXO_" + name) for name in (
    "OK", "E_INVALID", "E_NOMEM", "E_LIMIT", "E_IO", "E_CONFIG", "E_HTTP", "E_AWS",
    "E_CONDITION", "E_CANCELLED", "E_TIMEOUT", "E_INTERNAL"))


class Error(Exception):
    """Base of every error the library reports.

    Attributes mirror the C ``ddbxo_error``: ``code`` (int, a ddbxo_code),
    ``code_name`` ("invalid", "aws", ...), ``retryable``, ``ambiguous`` (the
    request may have been applied), ``http_status`` (0 when no response),
    ``aws_type`` (e.g. "ResourceNotFoundException" or ""), ``request_id``,
    ``path`` (JSON path of bad input, or "") and ``message``.
    """

    code: int
    code_name: str
    retryable: bool
    ambiguous: bool
    http_status: int
    aws_type: str
    request_id: str
    path: str
    message: str

    def __init__(self, message: str, *, code: int = E_INTERNAL,
                 retryable: bool = False, ambiguous: bool = False,
                 http_status: int = 0, aws_type: str = "",
                 request_id: str = "", path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.code_name = code_name(code)
        self.retryable = retryable
        self.ambiguous = ambiguous
        self.http_status = http_status
        self.aws_type = aws_type
        self.request_id = request_id
        self.path = path
        self.message = message

    def __str__(self) -> str:
        if self.path and self.path not in self.message:
            return f"{self.message} (at {self.path})"
        return self.message

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.message!r}, code={self.code_name!r}, "
                f"aws_type={self.aws_type!r}, http_status={self.http_status}, "
                f"retryable={self.retryable}, path={self.path!r})")


class ValidationError(Error, ValueError):
    """Bad input: JSON, a field, a value or an argument (DDBXO_E_INVALID)."""


class LimitError(ValidationError):
    """A named limit was exceeded (DDBXO_E_LIMIT)."""


class ConfigError(Error):
    """Missing or invalid configuration or credentials (DDBXO_E_CONFIG)."""


class IoError(Error, OSError):
    """File or socket I/O failed (DDBXO_E_IO)."""


class TransportError(Error):
    """No usable HTTP answer: connect, reset, timeout, CRC (DDBXO_E_HTTP)."""


class ServiceError(Error):
    """The service answered with an error (DDBXO_E_AWS); see ``aws_type``."""


class ThrottlingError(ServiceError):
    """The service asked us to slow down (a throttling ``aws_type``)."""


class ConditionalCheckFailedError(ServiceError):
    """A ConditionExpression refused the write (DDBXO_E_CONDITION)."""


class TransactionCanceledError(ServiceError):
    """TransactWriteItems was cancelled (DDBXO_E_CANCELLED)."""


class DeadlineError(Error, TimeoutError):
    """The caller's deadline passed (DDBXO_E_TIMEOUT)."""


class InternalError(Error):
    """A bug in the library (DDBXO_E_INTERNAL): please report it."""


class OutOfMemoryError(Error, MemoryError):
    """An allocation failed (DDBXO_E_NOMEM)."""


_BY_CODE: Dict[int, Type[Error]] = {
    E_INVALID: ValidationError,
    E_NOMEM: OutOfMemoryError,
    E_LIMIT: LimitError,
    E_IO: IoError,
    E_CONFIG: ConfigError,
    E_HTTP: TransportError,
    E_AWS: ServiceError,
    E_CONDITION: ConditionalCheckFailedError,
    E_CANCELLED: TransactionCanceledError,
    E_TIMEOUT: DeadlineError,
    E_INTERNAL: InternalError,
}


def code_name(code: int) -> str:
    """The library's static name of a ddbxo_code, e.g. "invalid"."""
    return _ffi.text(_ffi.lib.ddbxo_code_name(code)) or "unknown"


def is_throttle(aws_type: str) -> bool:
    """Whether the library's retry policy treats this AWS error type as
    throttling (e.g. "ProvisionedThroughputExceededException")."""
    return bool(_ffi.lib.ddbxo_aws_type_is_throttle(aws_type.encode("utf-8", "replace")))


def _is_throttle(err: _ffi.CError) -> bool:
    return bool(_ffi.lib.ddbxo_error_is_throttle(ctypes.byref(err)))


def error_class(code: int, aws_type: str = "") -> Type[Error]:
    """The Error subclass for a ddbxo_code and AWS error type: the library
    says which errors are throttling (:class:`ThrottlingError`)."""
    err = _ffi.CError()
    err.code = code
    err.aws_type = aws_type.encode("utf-8", "replace")[:_ffi.CError.aws_type.size - 1]
    return _class_of(err)


def _class_of(err: _ffi.CError) -> Type[Error]:
    if _is_throttle(err):
        return ThrottlingError
    return _BY_CODE.get(err.code, InternalError)


def from_c(err: Optional[_ffi.CError], fallback: str = "unknown error") -> Error:
    """An Error from a filled ``ddbxo_error`` (copied: the struct may go away)."""
    if err is None:
        return InternalError(fallback)
    s = _ffi.text
    aws_type = s(err.aws_type) or ""
    cls = _class_of(err)
    return cls(s(err.message) or fallback, code=err.code or E_INTERNAL,
               retryable=bool(err.retryable), ambiguous=bool(err.ambiguous),
               http_status=int(err.http_status), aws_type=aws_type,
               request_id=s(err.request_id) or "", path=s(err.path) or "")
