"""What a new user does after `pip install`: import ddbxo and apply a
stream event, in a virtual environment that has nothing but ddbxo.

Run by tests/dist.sh with that venv's python, from /, with no
DDBXO_LIBRARY or LD_LIBRARY_PATH.  Uses only the standard library and ddbxo
(tables, items and the stream are made and read through Client.call).
usage: python dist_probe.py MOTO_ENDPOINT EXPECT_STATIC_TLS(0|1)
Prints one line per check ("ok ..." / "FAIL ...") and exits 1 on a failure.
"""
from __future__ import annotations

import os
import sys
import sysconfig
from typing import Any, Dict, List

failures = 0


def check(ok: bool, what: str) -> None:
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def stream_event(client: Any, table: str) -> Dict[str, Any]:
    arn = client.call("DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    desc = client.call("DescribeStream", {"StreamArn": arn}, service="streams")
    records: List[Dict[str, Any]] = []
    for shard in desc["StreamDescription"]["Shards"]:
        it = client.call("GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"],
                                              "ShardIteratorType": "TRIM_HORIZON"},
                         service="streams")["ShardIterator"]
        while it:
            page = client.call("GetRecords", {"ShardIterator": it}, service="streams")
            records.extend(page["Records"])
            it = page.get("NextShardIterator") if page["Records"] else None
    for r in records:
        r["eventSourceARN"] = arn
    return {"Records": records}


def main() -> int:
    endpoint, want_static = sys.argv[1], sys.argv[2] == "1"
    check(not os.environ.get("DDBXO_LIBRARY") and not os.environ.get("LD_LIBRARY_PATH"),
          "no DDBXO_LIBRARY, no LD_LIBRARY_PATH")
    import ddbxo
    from ddbxo import _ffi
    site = os.path.realpath(sysconfig.get_paths()["purelib"])
    lib = os.path.realpath(ddbxo.library_path)
    check(lib == os.path.join(site, "ddbxo", "libddbxo.so.0"),
          f"libddbxo loaded from the installed package ({ddbxo.library_path})")
    check(ddbxo.library_version() == ddbxo.__version__,
          f"library version {ddbxo.library_version()} = package version")
    check(_ffi._static_tls() == want_static,
          f"library carries its own libcurl/OpenSSL: {_ffi._static_tls()}")

    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_REGION": "us-east-1"}.items():
        os.environ[k] = v
    client = ddbxo.Client(endpoint_url=endpoint)
    for name, stream in (("src", True), ("dst", False)):
        req: Dict[str, Any] = {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
        if stream:
            req["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"}
        client.call("CreateTable", req)
    for pk, n in (("a", 1), ("b", 2), ("c", 3)):
        client.call("PutItem", {"TableName": "src",
                                "Item": {"pk": {"S": pk}, "n": {"N": str(n)}}})
    client.call("DeleteItem", {"TableName": "src", "Key": {"pk": {"S": "c"}}})
    event = stream_event(client, "src")

    first = client.process_batch(event, target_table="dst")
    check(first["records"] == 4 and first["failed"] == 0 and first["batchItemFailures"] == []
          and first["applied"] >= 3, f"event applied: {dict(first)}")
    b = client.call("GetItem", {"TableName": "dst", "Key": {"pk": {"S": "b"}},
                                "ConsistentRead": True}).get("Item", {})
    check(b.get("n") == {"N": "2"}, "target item b has n=2")
    again = client.process_batch(event, target_table="dst")
    check(again["applied"] == 0 and again["duplicate"] == 4 and again["batchItemFailures"] == [],
          f"replayed event applied nothing: {dict(again)}")
    client.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
