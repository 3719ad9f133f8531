"""The boto3 peer of `make bench` (bench/README.md), and the ddbxo Python
binding: the same work as bench/c/bench_c.c, written the way a Python
Lambda handler for this job usually is.

    bench_py.py parse REPS ITERS FILE     json.loads + TypeDeserializer of
                                          every image + hashlib dedup key
    bench_py.py sigv4 REPS ITERS          botocore SigV4Auth.add_auth of
                                          one PutItem request
    bench_py.py apply REPS MODE CONC ENDPOINT FILE...
                                          boto3 conditional put_item
                                          (replicate) or
                                          transact_write_items (ledger),
                                          CONC threads
    bench_py.py binding REPS MODE CONC ENDPOINT FILE...
                                          ddbxo.Client.process_batch
    bench_py.py mem FILE                  peak RSS while reading FILE,
                                          json.loads and TypeDeserializer
                                          of every image, once

Prints one JSON object: client CPU (user+sys, getrusage) and wall time
in microseconds per unit for each timed repetition, after one warm-up.
"""
from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Callable, Dict, List

TABLE_ARN_MARK = ":table/"


def cpu_us() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e6


def measure(reps: int, body: Callable[[], int]) -> List[List[float]]:
    body()  # warm-up
    cpu, wall = [], []
    for _ in range(reps):
        c0, w0 = cpu_us(), time.perf_counter()
        n = body()
        cpu.append((cpu_us() - c0) / n)
        wall.append((time.perf_counter() - w0) * 1e6 / n)
    return [cpu, wall]


def report(name: str, unit: str, s: List[List[float]], **extra: Any) -> None:
    print(json.dumps({"name": name, "unit": unit, "cpu_us": s[0], "wall_us": s[1], **extra}))


def table_of(arn: str) -> str:
    i = arn.find(TABLE_ARN_MARK)
    if i < 0:
        return arn
    return arn[i + len(TABLE_ARN_MARK):].split("/", 1)[0]


def dedup_key(table: str, rec: Dict[str, Any]) -> str:
    """What ddbxo's dedup key v1 covers (table, keys, padded sequence
    number) in a simple stable encoding, as a handler would write it."""
    h = hashlib.sha256()
    h.update(table.encode() + b"\0")
    ddb = rec["dynamodb"]
    for name in sorted(ddb["Keys"]):
        (t, v), = ddb["Keys"][name].items()
        h.update(name.encode() + b"\0" + t.encode() + str(v).encode() + b"\0")
    h.update(ddb["SequenceNumber"].rjust(40, "0").encode())
    return h.hexdigest()


def run_parse(reps: int, iters: int, path: str) -> None:
    from boto3.dynamodb.types import TypeDeserializer
    deser = TypeDeserializer()
    with open(path, "rb") as f:
        doc = f.read()

    def once() -> int:
        ev = json.loads(doc)
        for rec in ev["Records"]:
            ddb = rec["dynamodb"]
            for part in ("Keys", "NewImage", "OldImage"):
                if part in ddb:
                    {k: deser.deserialize(v) for k, v in ddb[part].items()}
            dedup_key(table_of(rec["eventSourceARN"]), rec)
        return len(ev["Records"])

    report("parse", "us/record", measure(reps, lambda: sum(once() for _ in range(iters))))


def run_sigv4(reps: int, iters: int) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = ('{"TableName":"BenchOrders","Item":{"pk":{"S":"order#00000001"},"note":{"S":"'
            + "0" * 900 + '"}}}').encode()
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    auth = SigV4Auth(creds, "dynamodb", "us-east-1")

    def once() -> int:
        for _ in range(iters):
            req = AWSRequest(method="POST", url="https://dynamodb.us-east-1.amazonaws.com/",
                             data=body, headers={"Content-Type": "application/x-amz-json-1.0",
                                                 "X-Amz-Target": "DynamoDB_20120810.PutItem"})
            auth.add_auth(req)
        return iters

    report("sigv4", "us/request", measure(reps, once))


def boto_client(endpoint: str, conc: int) -> Any:
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        "dynamodb", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id="AKIDBENCH", aws_secret_access_key="benchsecret",
        config=Config(max_pool_connections=conc, retries={"max_attempts": 4, "mode": "standard"}))


def replicate(client: Any, rec: Dict[str, Any]) -> None:
    """ddbxo's replicate mode by hand: the conditional put of the image."""
    ddb = rec["dynamodb"]
    seq = ddb["SequenceNumber"].rjust(40, "0")
    item = dict(ddb["NewImage"])
    item["_ddbxo_seq"] = {"S": seq}
    item["_ddbxo_src"] = {"S": dedup_key(table_of(rec["eventSourceARN"]), rec)}
    client.put_item(
        TableName="BenchTarget", Item=item,
        ConditionExpression="attribute_not_exists(#ddbxo_seq) OR #ddbxo_seq < :ddbxo_seq",
        ExpressionAttributeNames={"#ddbxo_seq": "_ddbxo_seq"},
        ExpressionAttributeValues={":ddbxo_seq": {"S": seq}},
        ReturnValuesOnConditionCheckFailure="ALL_OLD")


def ledger(client: Any, rec: Dict[str, Any]) -> None:
    """ddbxo's ledger mode with the region:total aggregate by hand."""
    ddb = rec["dynamodb"]
    key = dedup_key(table_of(rec["eventSourceARN"]), rec)
    new = ddb["NewImage"]
    dc, dt = "1", new["total"]["N"]
    if "OldImage" in ddb:
        dc, dt = "0", str(Decimal(dt) - Decimal(ddb["OldImage"]["total"]["N"]))
    exp = str(int(ddb["ApproximateCreationDateTime"]) + 7 * 24 * 3600)
    client.transact_write_items(ClientRequestToken=key[:36], TransactItems=[
        {"Put": {"TableName": "BenchLedger",
                 "Item": {"pk": {"S": "ddbxo#v1#" + key}, "exp": {"N": exp}},
                 "ConditionExpression": "attribute_not_exists(#pk)",
                 "ExpressionAttributeNames": {"#pk": "pk"}}},
        {"Update": {"TableName": "BenchTarget", "Key": {"pk": new["region"]},
                    "UpdateExpression": "ADD #c :dc, #t :dt",
                    "ExpressionAttributeNames": {"#c": "item_count", "#t": "total"},
                    "ExpressionAttributeValues": {":dc": {"N": dc}, ":dt": {"N": dt}}}}])


def run_apply(reps: int, mode: str, conc: int, endpoint: str, files: List[str]) -> None:
    docs = [open(p, "rb").read() for p in files]
    client = boto_client(endpoint, conc)
    apply = ledger if mode == "ledger" else replicate
    pool = ThreadPoolExecutor(max_workers=conc)

    def once() -> int:
        n = 0
        for doc in docs:
            ev = json.loads(doc)  # what the Lambda runtime does for the handler
            for f in [pool.submit(apply, client, r) for r in ev["Records"]]:
                f.result()
            n += len(ev["Records"])
        return n

    report(mode, "us/record", measure(reps, once), concurrency=conc)


def run_binding(reps: int, mode: str, conc: int, endpoint: str, files: List[str]) -> None:
    import ddbxo
    docs = [open(p, "rb").read() for p in files]
    client = ddbxo.Client(region="us-east-1", endpoint_url=endpoint,
                          aws_access_key_id="AKIDBENCH", aws_secret_access_key="benchsecret",
                          max_connections=conc)
    kw: Dict[str, Any] = {"target_table": "BenchTarget", "mode": mode, "max_inflight": conc}
    if mode == "ledger":
        kw.update(ledger_table="BenchLedger", aggregate="region:total")

    def once() -> int:
        n = 0
        for doc in docs:
            ev = json.loads(doc)  # a Lambda handler is given the decoded event
            res = client.process_batch(ev, **kw)
            if res["applied"] != res["records"]:
                raise SystemExit(f"bench_py: not every record was applied: {dict(res)}")
            n += res["records"]
        return n

    report("binding-" + mode, "us/record", measure(reps, once), concurrency=conc)


def status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def run_mem(path: str) -> None:
    """Peak RSS of reading the event and decoding it as a handler does,
    over the RSS before (after the imports; VmHWM reset first, as bench_c
    mem does).  The input bytes count; the decoded images are kept."""
    from boto3.dynamodb.types import TypeDeserializer
    deser = TypeDeserializer()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    base = status_kb("VmRSS")
    with open(path, "rb") as f:
        doc = f.read()
    ev = json.loads(doc)
    images = [{k: deser.deserialize(v) for k, v in rec["dynamodb"][part].items()}
              for rec in ev["Records"] for part in ("Keys", "NewImage", "OldImage")
              if part in rec["dynamodb"]]
    hwm = status_kb("VmHWM")
    print(json.dumps({"name": "mem", "event_bytes": len(doc), "records": len(ev["Records"]),
                      "images": len(images), "base_kb": base, "hwm_kb": hwm, "hwm_reset": reset}))


def main(a: List[str]) -> None:
    if len(a) >= 5 and a[1] == "parse":
        run_parse(int(a[2]), int(a[3]), a[4])
    elif len(a) >= 4 and a[1] == "sigv4":
        run_sigv4(int(a[2]), int(a[3]))
    elif len(a) >= 7 and a[1] in ("apply", "binding"):
        (run_apply if a[1] == "apply" else run_binding)(int(a[2]), a[3], int(a[4]), a[5], a[6:])
    elif len(a) >= 3 and a[1] == "mem":
        run_mem(a[2])
    else:
        sys.exit("usage: bench_py.py parse REPS ITERS FILE | sigv4 REPS ITERS | "
                 "apply|binding REPS MODE CONC ENDPOINT FILE... | mem FILE")


if __name__ == "__main__":
    main(sys.argv)
