"""Error mapping: every ddbxo_code becomes its ddbxo.Error subclass with the
C error's fields; real errors from the library and from moto arrive so."""
from __future__ import annotations

import socket
from typing import Any, Type

import pytest

import ddbxo
from ddbxo import _ffi, errors
from conftest import create_table

CASES = [
    (errors.E_INVALID, "", ddbxo.ValidationError, ValueError),
    (errors.E_NOMEM, "", ddbxo.OutOfMemoryError, MemoryError),
    (errors.E_LIMIT, "", ddbxo.LimitError, ddbxo.ValidationError),
    (errors.E_IO, "", ddbxo.IoError, OSError),
    (errors.E_CONFIG, "", ddbxo.ConfigError, ddbxo.Error),
    (errors.E_HTTP, "", ddbxo.TransportError, ddbxo.Error),
    (errors.E_AWS, "ResourceNotFoundException", ddbxo.ServiceError, ddbxo.Error),
    (errors.E_AWS, "ProvisionedThroughputExceededException", ddbxo.ThrottlingError,
     ddbxo.ServiceError),
    (errors.E_AWS, "ThrottlingException", ddbxo.ThrottlingError, ddbxo.ServiceError),
    (errors.E_CONDITION, "ConditionalCheckFailedException",
     ddbxo.ConditionalCheckFailedError, ddbxo.ServiceError),
    (errors.E_CANCELLED, "TransactionCanceledException", ddbxo.TransactionCanceledError,
     ddbxo.ServiceError),
    (errors.E_TIMEOUT, "", ddbxo.DeadlineError, TimeoutError),
    (errors.E_INTERNAL, "", ddbxo.InternalError, ddbxo.Error),
]


@pytest.mark.parametrize("code,aws_type,cls,base", CASES,
                         ids=[f"{c[0]}-{c[2].__name__}" for c in CASES])
def test_each_code_maps_to_its_class_with_all_fields(code: int, aws_type: str,
                                                     cls: Type[ddbxo.Error], base: type) -> None:
    ce = _ffi.CError(code=code, retryable=1, ambiguous=1, http_status=400,
                     aws_type=aws_type.encode(), request_id=b"RID-1",
                     path=b"Records[2].dynamodb.Keys", message=b"what went wrong")
    e = errors.from_c(ce)
    assert type(e) is cls and isinstance(e, base) and isinstance(e, ddbxo.Error)
    assert (e.code, e.retryable, e.ambiguous, e.http_status) == (code, True, True, 400)
    assert (e.aws_type, e.request_id, e.path, e.message) == (
        aws_type, "RID-1", "Records[2].dynamodb.Keys", "what went wrong")
    assert e.code_name == ddbxo.errors.code_name(code) != "unknown"
    assert "what went wrong" in str(e)


def test_code_names_are_the_librarys() -> None:
    assert errors.code_name(errors.E_INVALID) == "invalid"
    assert errors.code_name(errors.E_AWS) == "aws"


def test_bad_event_is_a_validation_error_with_path() -> None:
    with pytest.raises(ddbxo.ValidationError) as ei:
        ddbxo.parse_event({"Records": [{"eventName": "INSERT", "dynamodb": {
            "Keys": {"pk": {"N": "1x"}}, "SequenceNumber": "1"}}]})
    e = ei.value
    assert e.code == errors.E_INVALID and e.path == "Records[0].dynamodb.Keys.pk.N"
    assert not e.retryable and e.http_status == 0
    with pytest.raises(ddbxo.ValidationError) as ei:
        ddbxo.parse_event("[1, 2")
    assert ei.value.path == ""
    with pytest.raises(TypeError):
        ddbxo.parse_event(42)  # type: ignore[arg-type]


def test_too_many_writes_is_a_limit_error() -> None:
    rec = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "a"}},
                                               "SequenceNumber": "1"}}
    writes = [{"Put": {"Item": {"pk": f"k{i}"}}} for i in range(100)]
    with pytest.raises(ddbxo.LimitError) as ei:
        ddbxo.transform_writes(rec, lambda r: writes)
    assert ei.value.code == errors.E_LIMIT
    assert len(ddbxo.transform_writes(rec, lambda r: writes[:99])) == 99


def test_config_errors() -> None:
    with pytest.raises(ddbxo.ConfigError) as ei:
        ddbxo.Client(region="not a region!")
    assert ei.value.code == errors.E_CONFIG
    with pytest.raises(ddbxo.ConfigError):  # credentials in clear text
        ddbxo.Client(endpoint_url="http://example.com")
    with pytest.raises(ddbxo.ValidationError):
        ddbxo.Client(aws_access_key_id="AKIA X", aws_secret_access_key="s")


def test_service_errors_from_moto(client: ddbxo.Client, boto_ddb: Any) -> None:
    with pytest.raises(ddbxo.ServiceError) as ei:
        client.call("GetItem", {"TableName": "missing", "Key": {"pk": {"S": "a"}}})
    e = ei.value
    assert type(e) is ddbxo.ServiceError
    assert (e.aws_type, e.http_status, e.code_name) == ("ResourceNotFoundException", 400, "aws")
    assert not e.retryable and e.request_id

    create_table(boto_ddb, "t")
    client.call("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}}})
    with pytest.raises(ddbxo.ConditionalCheckFailedError) as ci:
        client.call("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}},
                                "ConditionExpression": "attribute_not_exists(pk)"})
    assert ci.value.aws_type == "ConditionalCheckFailedException"
    assert ci.value.http_status == 400 and ci.value.code_name == "condition"

    with pytest.raises(ddbxo.TransactionCanceledError) as ti:
        client.call("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}}]})
    assert ti.value.cancellation_reasons == ["None", "ConditionalCheckFailed"]  # type: ignore[attr-defined]
    assert boto_ddb.get_item(TableName="t", Key={"pk": {"S": "b"}}).get("Item") is None

    with pytest.raises(ddbxo.ServiceError) as vi:  # the service's own validation
        client.call("PutItem", {"TableName": "t", "Item": {"nokey": {"S": "a"}}})
    assert vi.value.aws_type == "ValidationException"


def test_transport_error_and_deadline(moto: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with ddbxo.Client(endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1) as c:
        with pytest.raises(ddbxo.TransportError) as ei:
            c.call("ListTables", {})
        assert ei.value.retryable and ei.value.http_status == 0
    with ddbxo.Client(endpoint_url=moto.endpoint) as c:
        with pytest.raises(ddbxo.DeadlineError) as di:
            c.call("ListTables", {}, deadline_ms=1)  # 1970: long passed
        assert isinstance(di.value, TimeoutError)
        assert c.call("ListTables", {}) == {"TableNames": []}


def test_closed_client_refuses_calls(moto: Any) -> None:
    c = ddbxo.Client(endpoint_url=moto.endpoint)
    c.close()
    c.close()
    with pytest.raises(ddbxo.ConfigError):
        c.call("ListTables")
