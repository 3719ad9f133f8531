"""Images must come out exactly as boto3 users get them: botocore's parser
(base64 -> bytes) followed by boto3's TypeDeserializer."""
from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List

import botocore.parsers
import botocore.session
import pytest
from boto3.dynamodb.types import Binary as BotoBinary
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

import ddbxo
from conftest import create_table, load_shared_event, shared_event_files, stream_event

_SHAPE = botocore.session.get_session().get_service_model(
    "dynamodbstreams").operation_model("GetRecords").output_shape
_DESER = TypeDeserializer()


def boto3_view(event: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The event's records as botocore parses a GetRecords answer."""
    parsed = botocore.parsers.create_parser("json").parse(
        {"body": json.dumps(event).encode(), "headers": {}, "status_code": 200}, _SHAPE)
    records: List[Dict[str, Any]] = parsed["Records"]
    return records


def boto3_image(img: Any) -> Any:
    return None if img is None else _DESER.deserialize({"M": img})


def exact(v: Any) -> Any:
    """A tree that compares type and text, not just value: Decimal("1.50")
    and Decimal("1.5") are equal numbers but not the same image."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return (type(v).__name__, v)
    if isinstance(v, Decimal):
        return ("Decimal", str(v))
    if isinstance(v, (BotoBinary, ddbxo.Binary)):
        return ("Binary", bytes(v.value))
    if isinstance(v, set):
        return ("set", frozenset(exact(x) for x in v))
    if isinstance(v, list):
        return ("list", tuple(exact(x) for x in v))
    if isinstance(v, dict):
        return ("dict", frozenset((k, exact(x)) for k, x in v.items()))
    raise AssertionError(f"unexpected type {type(v).__name__}")


def assert_same_images(event: Dict[str, Any]) -> int:
    ours = ddbxo.parse_event(event)
    theirs = boto3_view(event)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        d = t["dynamodb"]
        for mine, key in ((o.keys, "Keys"), (o.new_image, "NewImage"),
                          (o.old_image, "OldImage")):
            want = boto3_image(d.get(key))
            assert mine == want, key  # plain equality, as user code compares
            assert exact(mine) == exact(want), key
        assert o.sequence_number == d["SequenceNumber"]
        assert o.event_name == t["eventName"]
    return len(ours)


@pytest.mark.parametrize("path", shared_event_files(), ids=lambda p: p.name)
def test_shared_event_matches_type_deserializer(path: Path) -> None:
    n = assert_same_images(load_shared_event(path))
    assert n > 0


def test_raw_dynamodb_json_is_kept() -> None:
    ev = load_shared_event(Path(shared_event_files()[0]).parent / "lambda-go__dynamodb-event.json")
    rec = ddbxo.parse_event(ev)[1]
    src = ev["Records"][1]["dynamodb"]
    assert rec.raw_new_image == src["NewImage"]
    assert rec.raw_keys == src["Keys"]
    assert rec.raw["dynamodb"]["SequenceNumber"] == src["SequenceNumber"]
    img = rec.new_image
    assert img is not None
    # The documented types, one by one.
    assert isinstance(img["FloatNumber"], Decimal) and str(img["FloatNumber"]) == "123.45"
    assert isinstance(img["Binary"], bytes) and img["Binary"].value == base64.b64decode("AAEqQQ==")
    assert img["Binary"] == BotoBinary(base64.b64decode("AAEqQQ=="))
    assert img["StringSet"] == {"Giraffe", "Zebra"} and img["EmptyStringSet"] == set()
    assert img["NumberSet"] == {Decimal("1234"), Decimal("567.8")}
    assert img["Null"] is None and img["Boolean"] is True
    assert img["List"] == ["Cookies", "Coffee", Decimal("3.14159")]
    assert img["Map"] == {"Name": "Joe", "Age": Decimal("35")}


def test_event_as_dict_str_and_bytes_agree() -> None:
    path = shared_event_files()[0].parent / "lambda-dotnet__dynamodb-event.json"
    a = ddbxo.parse_event(json.loads(path.read_bytes()))
    b = ddbxo.parse_event(path.read_text("utf-8"))
    c = ddbxo.parse_event(path.read_bytes())
    assert a == b == c
    assert [r.ttl_delete for r in a] == [False, True]  # a TTL delete sample


def test_moto_event_matches_type_deserializer_and_boto3_streams(
        client: Any, boto_ddb: Any, boto_streams: Any) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    item = {
        "pk": {"S": "a"}, "n": {"N": "1.50"}, "big": {"N": "-12345678901234567890.123456789"},
        "tiny": {"N": "1E-130"}, "b": {"B": b"\x00\xff\x10"}, "e": {"B": b""},
        "ss": {"SS": ["x", "ü🎉"]}, "ns": {"NS": ["1", "2.5", "-0.001"]},
        "bs": {"BS": [b"\x01", b"\x02\x03"]}, "t": {"BOOL": True}, "f": {"BOOL": False},
        "nul": {"NULL": True}, "l": {"L": [{"S": ""}, {"N": "0"}, {"L": []}, {"M": {}}]},
        "m": {"M": {"deep": {"M": {"x": {"B": b"\x07"}}}}},
    }
    boto_ddb.put_item(TableName="src", Item=item)
    item2 = dict(item, n={"N": "2"}, ss={"SS": ["y"]})
    boto_ddb.put_item(TableName="src", Item=item2)
    boto_ddb.delete_item(TableName="src", Key={"pk": {"S": "a"}})

    event = stream_event(client, "src")
    assert [r["eventName"] for r in event["Records"]] == ["INSERT", "MODIFY", "REMOVE"]
    assert assert_same_images(event) == 3

    # And against boto3's own streams client reading the same stream.
    arn = boto_ddb.describe_table(TableName="src")["Table"]["LatestStreamArn"]
    shard = boto_streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    it = boto_streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    boto_records = boto_streams.get_records(ShardIterator=it)["Records"]
    ours = ddbxo.parse_event(event)
    assert len(boto_records) == len(ours)
    for o, t in zip(ours, boto_records):
        assert exact(o.new_image) == exact(boto3_image(t["dynamodb"].get("NewImage")))
        assert exact(o.old_image) == exact(boto3_image(t["dynamodb"].get("OldImage")))
    assert ours[0].new_image is not None
    assert str(ours[0].new_image["n"]) == "1.50"  # verbatim, as TypeDeserializer


def test_serialize_is_type_serializer() -> None:
    ts = TypeSerializer()
    value = {"s": "x", "n": 3, "d": Decimal("1.25"), "b": b"\x00\x01", "bb": ddbxo.Binary(b"z"),
             "bo": BotoBinary(b"q"), "t": True, "none": None, "l": [1, "a", [None]],
             "m": {"k": {"k2": Decimal("-0.5")}}, "ss": {"a", "b"}, "ns": {1, Decimal("2.5")},
             "bs": {b"\x01", b"\x02"}}
    ours = ddbxo.types.serialize_item(value)
    theirs = {k: ts.serialize(v) for k, v in value.items()}
    # TypeSerializer leaves B as bytes (botocore base64-encodes on the wire).
    def b64(v: Any) -> str:
        if isinstance(v, str):
            return v
        return base64.b64encode(bytes(v.value if isinstance(v, BotoBinary) else v)).decode()

    def wire(av: Any) -> Any:
        (t, v), = av.items()
        if t == "B":
            return {"B": b64(v)}
        if t == "BS":
            return {"BS": sorted(b64(x) for x in v)}
        if t in ("SS", "NS"):
            return {t: sorted(v)}
        if t == "L":
            return {"L": [wire(x) for x in v]}
        if t == "M":
            return {"M": {k: wire(x) for k, x in v.items()}}
        return av
    assert {k: wire(v) for k, v in ours.items()} == {k: wire(v) for k, v in theirs.items()}
    # Round trip through the deserializer.
    assert ddbxo.types.deserialize_item(ours) == value
    with pytest.raises(TypeError, match="Float"):
        ddbxo.types.serialize(1.5)
    with pytest.raises(TypeError):
        ddbxo.types.serialize(set())
    with pytest.raises(TypeError):
        ddbxo.types.serialize({1, "a"})


def test_binary_behaves_like_bytes_and_boto3_binary() -> None:
    b = ddbxo.Binary(b"\x00\x01")
    assert isinstance(b, bytes)
    assert b == b"\x00\x01" and b"\x00\x01" == b
    assert b == BotoBinary(b"\x00\x01") and BotoBinary(b"\x00\x01") == b
    assert hash(b) == hash(BotoBinary(b"\x00\x01"))
    assert {b} == {BotoBinary(b"\x00\x01")}
    assert b.value == b"\x00\x01" and type(b.value) is bytes
    assert repr(b) == "Binary(b'\\x00\\x01')"
