"""The binding's view of the library's decisions is the library's: every
number, size, error class and option rule comes from libddbxo
(include/ddbxo/sys/binding.h), none is copied into the package."""
from __future__ import annotations

import ctypes
import re
from typing import Any, Dict, Tuple

import pytest

import ddbxo
from ddbxo import _ffi, errors
from ddbxo.client import _OPTION_NAMES, _write_json
from conftest import REPO

lib = _ffi.lib


def table() -> Dict[str, Tuple[str, int]]:
    return _ffi.constants()


def test_every_code_constant_is_the_librarys_and_has_a_class() -> None:
    codes = {name: value for name, (group, value) in table().items() if group == "ddbxo_code"}
    assert len(codes) == 12
    for name, value in codes.items():
        short = name.replace("DDBXO_", "")              # E_LIMIT, OK
        assert getattr(errors, short) == value
        # The table's value -> name, and the library's name -> value.
        assert _ffi.text(lib.ddbxo_constant_name(b"ddbxo_code", value)) == name
        assert lib.ddbxo_code_from_name(errors.code_name(value).encode()) == value
        if value != errors.OK:
            assert errors.error_class(value) is not errors.InternalError or \
                value == errors.E_INTERNAL


def test_outcome_and_mode_names_round_trip_through_the_library() -> None:
    outcomes = [v for (g, v) in table().values() if g == "ddbxo_outcome"]
    assert sorted(outcomes) == list(range(1, _ffi.constant("DDBXO_OUTCOME_END")))
    for v in outcomes:
        name = lib.ddbxo_outcome_name(v)
        assert lib.ddbxo_outcome_from_name(name) == v
    for v in (v for (g, v) in table().values() if g == "ddbxo_mode"):
        assert lib.ddbxo_mode_from_name(lib.ddbxo_mode_name(v)) == v
    for v in (v for (g, v) in table().values() if g == "ddbxo_service"):
        assert lib.ddbxo_service_from_name(_service_name(v)) == v


def _service_name(v: int) -> bytes:
    fn = lib.ddbxo_service_name        # not among the binding's declarations
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_int]
    name: bytes = fn(v)
    return name


def test_the_constants_in_the_header_are_the_tables() -> None:
    """Every #define of a number and every enum value the header gives a
    binding reads through the table has the header's value."""
    header = (REPO / "include" / "ddbxo.h").read_text(encoding="utf-8")
    defines = dict(re.findall(r"^#define (DDBXO_\w+) \(?(\d+)u?\)?\s*(?:/\*.*)?$", header, re.M))
    enums = dict(re.findall(r"^\s+(DDBXO_\w+) = (\d+)", header, re.M))
    checked = 0
    for name, (_group, value) in table().items():
        if name in defines:
            assert value == int(defines[name]), name
            checked += 1
        elif name in enums:
            assert value == int(enums[name]), name
            checked += 1
    assert checked >= 30


def test_buffer_sizes_and_struct_sizes_come_from_the_library() -> None:
    assert _ffi.CError.message.size == _ffi.constant("DDBXO_ERROR_MESSAGE_BUFSIZE")
    assert _ffi.CError.path.size == _ffi.constant("DDBXO_ERROR_PATH_BUFSIZE")
    assert _ffi.CError.aws_type.size == _ffi.constant("DDBXO_ERROR_AWS_TYPE_BUFSIZE")
    assert ctypes.sizeof(_ffi.CError) == _ffi.constant("DDBXO_SIZEOF_ERROR")
    assert ctypes.sizeof(_ffi.CModeOptions) == _ffi.constant("DDBXO_SIZEOF_MODE_OPTIONS")
    assert _ffi.DDBXO_DEDUP_KEY_BUFSIZE == _ffi.constant("DDBXO_DEDUP_KEY_BUFSIZE")
    with pytest.raises(KeyError):
        _ffi.constant("DDBXO_NO_SUCH_CONSTANT")


@pytest.mark.parametrize("aws_type", [
    "ProvisionedThroughputExceededException", "ThrottlingException",
    "TransactionInProgressException", "ResourceNotFoundException",
    "ValidationException", "InternalServerError", ""])
def test_throttling_is_the_librarys_class(aws_type: str) -> None:
    lib_says = bool(lib.ddbxo_aws_type_is_throttle(aws_type.encode()))
    assert errors.is_throttle(aws_type) is lib_says
    cls = errors.error_class(errors.E_AWS, aws_type)
    assert (cls is ddbxo.ThrottlingError) is lib_says
    # Not a service error: never throttling, whatever the type says.
    assert errors.error_class(errors.E_HTTP, aws_type) is ddbxo.TransportError


@pytest.mark.parametrize("kwargs,cls,path", [
    ({"mode": "sideways"}, ddbxo.ConfigError, "mode"),
    ({"mode": "ledger"}, ddbxo.ConfigError, "ledger_table"),
    ({"aggregate": "g:s"}, ddbxo.ConfigError, "aggregate"),
    ({"mode": "ledger", "ledger_table": "l", "aggregate": "g:s",
      "transform": {"key": ["pk"]}}, ddbxo.ValidationError, "aggregate"),
])
def test_mode_rules_are_the_librarys(kwargs: Dict[str, Any], cls: type, path: str) -> None:
    """process_batch refuses exactly what ddbxo_mode_options_check refuses,
    with its message, before any event or network is touched."""
    client = ddbxo.Client(region="us-east-1", aws_access_key_id="k",
                          aws_secret_access_key="s", endpoint_url="http://127.0.0.1:9",
                          allow_insecure_http=True)
    with client:
        with pytest.raises(cls) as ei:
            client.process_batch({"Records": []}, target_table="dst", **kwargs)
    o = _ffi.CModeOptions()
    o.mode_name = kwargs.get("mode", "replicate").encode()
    o.ledger_table = kwargs.get("ledger_table", "").encode() or None
    o.transforms = int("transform" in kwargs)
    o.aggregate = int("aggregate" in kwargs)
    o.names = _OPTION_NAMES
    err = _ffi.CError()
    assert lib.ddbxo_mode_options_check(ctypes.byref(o), ctypes.byref(err)) == 0
    assert ei.value.path == path == _ffi.text(err.path)
    assert ei.value.message == _ffi.text(err.message)
    assert ei.value.code == err.code


def test_writes_convert_only_the_members_the_library_names() -> None:
    w = _write_json({"Update": {"TableName": "t", "Key": {"pk": "a"},
                                "UpdateExpression": "ADD #n :one",
                                "ExpressionAttributeNames": {"#n": "n"},
                                "ExpressionAttributeValues": {":one": 1}}})
    assert w == {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}},
                            "UpdateExpression": "ADD #n :one",
                            "ExpressionAttributeNames": {"#n": "n"},
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    assert _write_json({"Put": {"Item": {"pk": "a"}}}) == {"Put": {"Item": {"pk": {"S": "a"}}}}


def test_check_mode_options_names_the_callers_options() -> None:
    ddbxo.check_mode_options()
    ddbxo.check_mode_options("ledger", ledger_table="l", aggregate="g:s")
    env = ("DDBXO_MODE", "DDBXO_LEDGER_TABLE", "DDBXO_TRANSFORM", "DDBXO_AGGREGATE")
    with pytest.raises(ddbxo.ConfigError) as ei:
        ddbxo.check_mode_options("tracker", names=env)
    assert ei.value.path == "DDBXO_LEDGER_TABLE"
    assert "DDBXO_MODE tracker needs DDBXO_LEDGER_TABLE" in ei.value.message
    with pytest.raises(ddbxo.ValidationError) as ei:
        ddbxo.check_mode_options("ledger", ledger_table="l", transform="spec.json",
                                 aggregate="g:s", names=env)
    assert str(ei.value) == "DDBXO_AGGREGATE and DDBXO_TRANSFORM exclude each other"
    with pytest.raises(ValueError):
        ddbxo.check_mode_options(names=("a", "b"))  # type: ignore[arg-type]
