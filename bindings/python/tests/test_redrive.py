"""Client.redrive against moto (DynamoDB, Streams and SQS): records parked
by process_batch are redriven once, a replayed message applies nothing,
an on-failure range is read back through a source client, and what
cannot start raises.

The queues have VisibilityTimeout 0, so a message the redrive leaves in
the queue is visible again at once (to the test, and to the same run,
which must not take it twice).  Queues are made and read through the
binding's generic call, as tests/harness/awsops.c does in C.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import ddbxo
from conftest import create_table, scan, stream_event


def make_queue(client: ddbxo.Client, name: str) -> str:
    out = client.call("CreateQueue", {"QueueName": name,
                                      "Attributes": {"VisibilityTimeout": "0"}},
                      service="sqs")
    url: str = out["QueueUrl"]
    return url


def bodies(client: ddbxo.Client, url: str) -> List[str]:
    """The bodies in the queue now (left there: visibility timeout 0)."""
    out = client.call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10,
                                         "WaitTimeSeconds": 0}, service="sqs")
    return [m["Body"] for m in out.get("Messages", [])]


def send(client: ddbxo.Client, url: str, body: str) -> None:
    client.call("SendMessage", {"QueueUrl": url, "MessageBody": body}, service="sqs")


def put(boto_ddb: Any, pk: str, v: int) -> None:
    boto_ddb.put_item(TableName="src", Item={"pk": {"S": pk}, "v": {"N": str(v)}})


@pytest.fixture
def tables(boto_ddb: Any) -> Any:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    for t in ("dst", "totals", "ledger"):
        create_table(boto_ddb, t)
    return boto_ddb


def broken(rec: ddbxo.Record) -> Any:
    raise RuntimeError("transform bug")


def test_parked_record_redriven_once_then_duplicate(client: ddbxo.Client,
                                                    tables: Any) -> None:
    park = make_queue(client, "park")
    put(tables, "a", 1)
    event = stream_event(client, "src")

    # A transform bug parks the record with its payload.
    first = client.process_batch(event, target_table="dst", transform=broken,
                                 park_queue_url=park)
    assert first.outcomes == ["PARKED"]
    assert first["batchItemFailures"] == []
    parked = bodies(client, park)
    assert len(parked) == 1 and json.loads(parked[0])["ddbxo_park"] == 1
    assert scan(tables, "dst") == []

    # The fixed transform (identity) redrives it: written, message deleted.
    r = client.redrive(park, target_table="dst", wait_s=0)
    assert isinstance(r, ddbxo.RedriveResult)
    assert (r.messages, r.deleted, r.kept) == (1, 1, 0)
    assert r.ok and r.error is None and r.warnings == []
    assert r.counts["records"] == 1 and r.counts["applied"] == 1
    assert r.counts["failed"] == 0 and r.lost_ranges == [] and r.batch_item_failures == []
    assert r.summary["messages"] == 1
    written = scan(tables, "dst")
    assert len(written) == 1 and written[0]["v"] == {"N": "1"}
    assert bodies(client, park) == []

    # An empty queue: nothing to do, and that is fine.
    empty = client.redrive(park, target_table="dst", wait_s=0)
    assert (empty.messages, empty.counts["records"]) == (0, 0) and empty.ok

    # The same message again (a replay): DUPLICATE, nothing written, deleted.
    send(client, park, parked[0])
    again = client.redrive(park, target_table="dst", wait_s=0)
    assert (again.messages, again.deleted, again.kept) == (1, 1, 0)
    assert again.counts["duplicate"] == 1 and again.counts["applied"] == 0
    assert scan(tables, "dst") == written
    assert bodies(client, park) == []


def test_ledger_python_transform_counts_once(client: ddbxo.Client, tables: Any) -> None:
    """A Python transform in ledger mode: its ADD is not idempotent, so a
    total of 1 after a replay shows the record took effect once."""
    park = make_queue(client, "park")
    put(tables, "a", 5)
    event = stream_event(client, "src")
    client.process_batch(event, target_table="dst", transform=broken,
                         park_queue_url=park)
    body = bodies(client, park)[0]

    def count(rec: ddbxo.Record) -> Any:
        img = rec.new_image
        assert img is not None
        return [{"Update": {"TableName": "totals", "Key": {"pk": "all"},
                            "UpdateExpression": "ADD #n :one, #s :v",
                            "ExpressionAttributeNames": {"#n": "n", "#s": "sum"},
                            "ExpressionAttributeValues": {":one": 1, ":v": img["v"]}}}]

    opts: Dict[str, Any] = dict(target_table="totals", mode="ledger",
                                ledger_table="ledger", transform=count, wait_s=0)
    r = client.redrive(park, **opts)
    assert (r.deleted, r.counts["applied"]) == (1, 1), r.warnings
    send(client, park, body)
    again = client.redrive(park, **opts)
    assert (again.deleted, again.counts["duplicate"], again.counts["applied"]) == (1, 1, 0)
    total = tables.get_item(TableName="totals", Key={"pk": {"S": "all"}},
                            ConsistentRead=True)["Item"]
    assert (total["n"], total["sum"]) == ({"N": "1"}, {"N": "5"})


def test_on_failure_range_read_back_through_source_client(client: ddbxo.Client,
                                                          tables: Any, moto: Any) -> None:
    """A Lambda on-failure record names a range; the source client reads it
    back from the stream, the target client applies it."""
    q = make_queue(client, "onfailure")
    for i in range(3):
        put(tables, f"k{i}", i)
    event = stream_event(client, "src")
    recs = event["Records"]
    arn = recs[0]["eventSourceARN"]
    shard = client.call("DescribeStream", {"StreamArn": arn},
                        service="streams")["StreamDescription"]["Shards"][0]["ShardId"]
    send(client, q, json.dumps({
        "requestContext": {"condition": "RetryAttemptsExhausted"},
        "DDBStreamBatchInfo": {
            "shardId": shard, "streamArn": arn,
            "startSequenceNumber": recs[1]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": recs[2]["dynamodb"]["SequenceNumber"]}}))
    with ddbxo.Client(endpoint_url=moto.endpoint) as source:
        r = client.redrive(q, target_table="dst", source_client=source, wait_s=0)
    assert (r.messages, r.deleted, r.counts["applied"]) == (1, 1, 2), r.warnings
    assert sorted(i["pk"]["S"] for i in scan(tables, "dst")) == ["k1", "k2"]


def test_unknown_message_kept_and_said(client: ddbxo.Client, tables: Any,
                                       caplog: Any) -> None:
    q = make_queue(client, "mixed")
    send(client, q, '{"hello":1}')
    with caplog.at_level("WARNING", logger="ddbxo"):
        r = client.redrive(q, target_table="dst", wait_s=0)
    assert (r.messages, r.deleted, r.kept) == (1, 0, 1)
    assert not r.ok and r.error is None
    assert len(r.warnings) == 1 and "unknown shape" in r.warnings[0]
    assert any("unknown shape" in m for m in caplog.messages)
    assert bodies(client, q) == ['{"hello":1}']


def test_failed_receive_is_in_the_result(client: ddbxo.Client, tables: Any,
                                         moto: Any) -> None:
    r = client.redrive(moto.endpoint + "/123456789012/no-such-queue",
                       target_table="dst", wait_s=0)
    assert not r.ok and r.messages == 0
    assert isinstance(r.error, ddbxo.ServiceError), r.error


def test_what_cannot_start_raises(client: ddbxo.Client) -> None:
    q = "http://127.0.0.1:1/123456789012/q"
    with pytest.raises(ddbxo.ConfigError) as e:
        client.redrive("", target_table="dst")
    assert e.value.path == "queue_url"
    with pytest.raises(ddbxo.ConfigError):
        client.redrive(q, target_table="dst", park_queue_url=q)
    with pytest.raises(ddbxo.ConfigError) as e:
        client.redrive(q, target_table="dst", tries=101)
    assert e.value.path == "tries"
    with pytest.raises(ddbxo.ConfigError) as e:
        client.redrive(q, target_table="dst", wait_s=21)
    assert e.value.path == "wait_s"
    with pytest.raises(ddbxo.ConfigError):   # ledger mode needs its table
        client.redrive(q, target_table="dst", mode="ledger")
    with pytest.raises(ddbxo.ValidationError):
        client.redrive(q, target_table="dst", mode="ledger", ledger_table="l",
                       transform={"key": {"pk": "pk"}}, aggregate="g:v")
    closed = ddbxo.Client(endpoint_url=q)
    closed.close()
    with pytest.raises(ddbxo.ConfigError):
        client.redrive(q, target_table="dst", source_client=closed)
