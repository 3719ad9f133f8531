"""ddbxo: apply DynamoDB stream records to another table with an
exactly-once effect.  A thin binding to the C library libddbxo.

    import ddbxo
    client = ddbxo.Client()

    def handler(event, context):
        return client.process_batch(event, target_table="Orders")

See docs/python.md for the whole API.
"""
from __future__ import annotations

from . import sigv4, types
from ._ffi import lib as _lib, library_path
from .client import (
    BatchResult,
    Client,
    LostRange,
    RedriveResult,
    TransformFn,
    TransformLike,
    check_mode_options,
    transform_writes,
)
from .errors import (
    ConditionalCheckFailedError,
    ConfigError,
    DeadlineError,
    Error,
    InternalError,
    IoError,
    LimitError,
    OutOfMemoryError,
    ServiceError,
    ThrottlingError,
    TransactionCanceledError,
    TransportError,
    ValidationError,
)
from .records import (
    EventLike,
    Record,
    client_request_token,
    dedup_canonical,
    dedup_key,
    parse_event,
    parse_record,
)
from .types import Binary

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libddbxo, e.g. "0.1.0"."""
    return (_lib.ddbxo_version() or b"").decode()


__all__ = [
    "Binary", "BatchResult", "Client", "ConditionalCheckFailedError", "ConfigError",
    "DeadlineError", "Error", "EventLike", "InternalError", "IoError", "LimitError",
    "LostRange", "OutOfMemoryError", "Record", "RedriveResult", "ServiceError", "ThrottlingError",
    "TransactionCanceledError", "TransformFn", "TransformLike", "TransportError",
    "ValidationError", "check_mode_options", "client_request_token", "dedup_canonical",
    "dedup_key", "library_path", "library_version", "parse_event", "parse_record", "sigv4",
    "transform_writes", "types",
]
