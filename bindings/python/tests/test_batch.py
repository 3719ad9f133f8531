"""Client.process_batch against moto: real stream events read back from a
source table, applied to target tables that every test inspects.

Sources are written with PutItem / DeleteItem only: moto emits spurious
records for UpdateItem (docs/moto-gaps.md C3).  moto does not implement
ClientRequestToken (C2); exactly-once here rests on the conditional writes
and the ledger, which moto does evaluate.
"""
from __future__ import annotations

import copy
import threading
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pytest

import ddbxo
from conftest import create_table, scan, stream_event


def put(boto_ddb: Any, pk: str, v: int, **extra: Any) -> None:
    item = {"pk": {"S": pk}, "v": {"N": str(v)}}
    item.update({k: {"BOOL": True} for k in extra})
    boto_ddb.put_item(TableName="src", Item=item)


def delete(boto_ddb: Any, pk: str) -> None:
    boto_ddb.delete_item(TableName="src", Key={"pk": {"S": pk}})


def get(boto_ddb: Any, table: str, pk: str) -> Optional[Dict[str, Any]]:
    item: Optional[Dict[str, Any]] = boto_ddb.get_item(
        TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")
    return item


def seqs(event: Dict[str, Any], *idx: int) -> List[Dict[str, str]]:
    return [{"itemIdentifier": event["Records"][i]["dynamodb"]["SequenceNumber"]} for i in idx]


@pytest.fixture
def tables(boto_ddb: Any) -> Any:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    for t in ("dst", "dst2", "totals", "ledger"):
        create_table(boto_ddb, t)
    return boto_ddb


def test_replicate_identity_exactly_once(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    put(tables, "b", 2)
    put(tables, "c", 3)
    delete(tables, "c")
    event = stream_event(client, "src")

    first = client.process_batch(event, target_table="dst")
    assert first["batchItemFailures"] == []
    assert first.outcomes == ["APPLIED", "APPLIED", "COALESCED", "APPLIED"]
    assert (first["records"], first["applied"], first["coalesced"], first["failed"]) == (4, 3, 1, 0)
    assert first.errors == {}
    a = get(tables, "dst", "a")
    assert a is not None and a["v"] == {"N": "1"}
    c = get(tables, "dst", "c")  # a tombstone, not the old image
    assert c is not None and c["_ddbxo_deleted"] == {"BOOL": True} and "v" not in c
    snapshot = scan(tables, "dst")

    for _ in range(2):  # a redelivered batch changes nothing
        again = client.process_batch(event, target_table="dst")
        assert again["batchItemFailures"] == []
        # The covered record shares the refusal of the one that covers it.
        assert again.outcomes == ["DUPLICATE", "DUPLICATE", "DUPLICATE", "DUPLICATE"]
        assert (again["applied"], again["duplicate"], again["coalesced"]) == (0, 4, 0)
        assert scan(tables, "dst") == snapshot

    # A replay of an older prefix after newer records: never goes back.
    put(tables, "a", 9)
    newer = stream_event(client, "src")
    assert client.process_batch(newer, target_table="dst")["failed"] == 0
    old = {"Records": event["Records"][:1]}
    assert client.process_batch(old, target_table="dst").outcomes == ["STALE"]
    a = get(tables, "dst", "a")
    assert a is not None and a["v"] == {"N": "9"}


def test_python_transform_and_a_raising_record(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    put(tables, "b", 2, bad=True)
    put(tables, "c", 3, skip=True)
    put(tables, "d", 4)
    delete(tables, "d")
    event = stream_event(client, "src")
    seen: List[ddbxo.Record] = []

    def double(rec: ddbxo.Record) -> Any:
        seen.append(rec)
        if rec.event_name == "REMOVE":
            return [{"Delete": {"Key": rec.keys}}]
        img = rec.new_image
        assert img is not None
        if img.get("bad"):
            raise ValueError("no doubling for b")
        if img.get("skip"):
            return None
        return {"pk": img["pk"], "doubled": img["v"] * 2, "tags": {"x", "y"},
                "raw": ddbxo.Binary(b"\x00\x01")}

    res = client.process_batch(event, target_table="dst", transform=double,
                               no_coalesce=True)
    assert res.outcomes == ["APPLIED", "FAILED_PERMANENT", "FILTERED", "APPLIED", "APPLIED"]
    assert res["batchItemFailures"] == seqs(event, 1)
    assert (res["applied"], res["filtered"], res["failed"]) == (3, 1, 1)
    err = res.errors[1]
    assert isinstance(err, ddbxo.ValidationError)
    assert "ValueError" in err.message and "no doubling for b" in err.message
    assert isinstance(err.__cause__, ValueError)
    assert [r.sequence_number for r in seen] == [
        r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    a = get(tables, "dst", "a")
    assert a is not None
    assert a["doubled"] == {"N": "2"} and a["raw"] == {"B": b"\x00\x01"}
    assert sorted(a["tags"]["SS"]) == ["x", "y"]
    assert get(tables, "dst", "b") is None and get(tables, "dst", "c") is None
    d = get(tables, "dst", "d")  # put, then deleted: a tombstone
    assert d is not None and d["_ddbxo_deleted"] == {"BOOL": True} and "doubled" not in d

    # Redelivery: the failed record fails again, the others are duplicates.
    snapshot = scan(tables, "dst")
    again = client.process_batch(event, target_table="dst", transform=double,
                                 no_coalesce=True)
    assert again["batchItemFailures"] == seqs(event, 1)
    assert again["applied"] == 0
    assert scan(tables, "dst") == snapshot


def test_ledger_counter_is_applied_once(client: ddbxo.Client, tables: Any) -> None:
    for i, pk in enumerate("abcd"):
        put(tables, pk, i + 1)
    event = stream_event(client, "src")

    def count(rec: ddbxo.Record) -> Any:  # not idempotent: needs the ledger
        img = rec.new_image
        assert img is not None
        return [{"Update": {"TableName": "totals", "Key": {"pk": "all"},
                            "UpdateExpression": "ADD #n :one, #s :v",
                            "ExpressionAttributeNames": {"#n": "n", "#s": "sum"},
                            "ExpressionAttributeValues": {":one": 1, ":v": img["v"]}}},
                {"Put": {"Item": {"pk": img["pk"], "copy": img["v"]}}}]

    for run in range(3):
        res = client.process_batch(event, target_table="dst", mode="ledger",
                                   ledger_table="ledger", transform=count)
        assert res["batchItemFailures"] == []
        assert res.outcomes == (["APPLIED"] * 4 if run == 0 else ["DUPLICATE"] * 4)
        total = get(tables, "totals", "all")
        assert total is not None
        assert (total["n"], total["sum"]) == ({"N": "4"}, {"N": "10"})
    d = get(tables, "dst", "d")
    assert d is not None and d["copy"] == {"N": "4"}


def test_declarative_spec_and_aggregate(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 5)
    put(tables, "b", 7)
    event = stream_event(client, "src")
    # The aggregate refuses replicate mode: its writes are not idempotent.
    with pytest.raises(ddbxo.ConfigError):
        client.process_batch(event, target_table="totals", aggregate="pk:v")
    res = client.process_batch(event, target_table="totals", mode="ledger",
                               ledger_table="ledger", aggregate="pk:v")
    assert res["applied"] == 2 and res["batchItemFailures"] == []
    a = get(tables, "totals", "a")
    assert a is not None and (a["item_count"], a["total"]) == ({"N": "1"}, {"N": "5"})
    with pytest.raises(ddbxo.ValidationError) as ei:
        client.process_batch(event, target_table="dst", transform={"nonsense": 1})
    assert ei.value.path != "" or "nonsense" in ei.value.message


def test_unusable_record_and_deadline(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    put(tables, "b", 2)
    event = stream_event(client, "src")
    broken = copy.deepcopy(event)
    broken["Records"][1]["dynamodb"]["NewImage"]["v"] = {"N": "not a number"}
    res = client.process_batch(broken, target_table="dst")
    assert res.outcomes == ["APPLIED", "FAILED_PERMANENT"]
    assert res["batchItemFailures"] == seqs(event, 1)
    assert isinstance(res.errors[1], ddbxo.ValidationError)
    assert res.errors[1].path == "Records[1].dynamodb.NewImage.v.N"
    # A deadline already passed: nothing starts, everything is retried later.
    late = client.process_batch(event, target_table="dst2", remaining_ms=-1000)
    assert late["batchItemFailures"] == seqs(event, 0, 1)
    assert all(e.retryable for e in late.errors.values())
    assert scan(tables, "dst2") == []


def test_config_errors(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    event = stream_event(client, "src")
    with pytest.raises(ddbxo.ConfigError) as ei:
        client.process_batch(event, target_table="dst", mode="ledger")
    assert "ledger" in str(ei.value)
    with pytest.raises(ddbxo.ConfigError):
        client.process_batch(event, target_table="dst", mode="sideways")
    with pytest.raises(ddbxo.ValidationError):
        client.process_batch(b"{not json", target_table="dst")
    with pytest.raises(ddbxo.ValidationError):
        client.process_batch(event, target_table="dst", transform=lambda r: None,
                             aggregate="pk:v")


def test_transform_type_errors_fail_the_record(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    put(tables, "b", 2)
    event = stream_event(client, "src")
    res = client.process_batch(
        event, target_table="dst",
        transform=lambda r: 42 if r.keys["pk"] == "a" else {"pk": r.keys["pk"], "f": 1.5})
    assert res.outcomes == ["FAILED_PERMANENT", "FAILED_PERMANENT"]
    assert "TypeError" in res.errors[0].message and "int" in res.errors[0].message
    assert "Float" in res.errors[1].message
    # Writes libddbxo refuses fail with its rule: a number out of
    # DynamoDB's range, and two writes where replicate mode takes one.
    res = client.process_batch(event, target_table="dst",
                               transform=lambda r: {"pk": "x", "n": Decimal("1E+200")})
    assert res["failed"] == 2 and res.errors[0].path.endswith("n.N")
    res = client.process_batch(event, target_table="dst",
                               transform=lambda r: [{"Put": {"Item": {"pk": "x"}}},
                                                    {"Put": {"Item": {"pk": "y"}}}])
    assert res["failed"] == 2
    assert scan(tables, "dst") == []


def test_base_exception_in_transform_is_reraised(client: ddbxo.Client, tables: Any) -> None:
    put(tables, "a", 1)
    event = stream_event(client, "src")

    def interrupt(rec: ddbxo.Record) -> Any:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.process_batch(event, target_table="dst", transform=interrupt)
    assert scan(tables, "dst") == []


def test_two_threads_with_python_transforms(client: ddbxo.Client, tables: Any) -> None:
    for i in range(20):
        put(tables, f"k{i:02d}", i)
    event = stream_event(client, "src")
    results: Dict[str, Any] = {}

    def run(table: str, factor: int) -> None:
        results[table] = client.process_batch(
            event, target_table=table,
            transform=lambda r: {"pk": r.keys["pk"], "v": (r.new_image or {})["v"] * factor})

    threads = [threading.Thread(target=run, args=(t, f)) for t, f in (("dst", 2), ("dst2", 3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["dst"]["applied"] == results["dst2"]["applied"] == 20
    for i in range(20):
        d2 = get(tables, "dst", f"k{i:02d}")
        d3 = get(tables, "dst2", f"k{i:02d}")
        assert d2 is not None and d3 is not None
        assert Decimal(d2["v"]["N"]) == 2 * i and Decimal(d3["v"]["N"]) == 3 * i


def test_target_in_another_region(moto: Any, tables: Any) -> None:
    """The source stream in us-east-1, the target side in eu-west-1: the
    records land there, and the source region's namesake stays empty."""
    import boto3
    eu_ddb = boto3.client("dynamodb", endpoint_url=moto.endpoint, region_name="eu-west-1")
    create_table(eu_ddb, "dst")
    put(tables, "a", 1)
    put(tables, "b", 2)
    delete(tables, "b")
    with ddbxo.Client(endpoint_url=moto.endpoint) as source:
        event = stream_event(source, "src")
    with ddbxo.Client(region="eu-west-1", endpoint_url=moto.endpoint) as target:
        assert target.region == "eu-west-1"
        res = target.process_batch(event, target_table="dst")
    assert res["failed"] == 0 and res["batchItemFailures"] == []
    a = get(eu_ddb, "dst", "a")
    assert a is not None and a["v"] == {"N": "1"}
    assert scan(tables, "dst") == []


def test_target_role_in_another_account(moto: Any, tables: Any) -> None:
    """role_arn: the target side assumes a role in account 222222222222
    through moto's STS; that account's table gets the records."""
    import os
    import boto3
    os.environ["AWS_ENDPOINT_URL_STS"] = moto.endpoint
    try:
        role = "arn:aws:iam::222222222222:role/ddbxo-target"
        sts = boto3.client("sts", endpoint_url=moto.endpoint, region_name="us-east-1")
        c = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
        other = boto3.client("dynamodb", endpoint_url=moto.endpoint, region_name="us-east-1",
                             aws_access_key_id=c["AccessKeyId"],
                             aws_secret_access_key=c["SecretAccessKey"],
                             aws_session_token=c["SessionToken"])
        create_table(other, "dst")
        put(tables, "a", 5)
        with ddbxo.Client(endpoint_url=moto.endpoint) as source:
            event = stream_event(source, "src")
        with ddbxo.Client(endpoint_url=moto.endpoint, role_arn=role,
                          external_id="x") as target:
            assert target.process_batch(event, target_table="dst")["failed"] == 0
        a = get(other, "dst", "a")
        assert a is not None and a["v"] == {"N": "5"}
        assert scan(tables, "dst") == []
    finally:
        os.environ.pop("AWS_ENDPOINT_URL_STS", None)
