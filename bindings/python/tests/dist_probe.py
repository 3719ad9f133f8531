"""What a new user does after `pip install`: import ddbxo and apply a
stream event, in a virtual environment that has nothing but ddbxo.

Run by tests/dist.sh with that venv's python, from /, with no
DDBXO_LIBRARY or LD_LIBRARY_PATH.  Uses only the standard library and ddbxo
(tables, items and the stream are made and read through Client.call).
usage: python dist_probe.py MOTO_ENDPOINT EXPECT_STATIC_TLS(0|1) CERT KEY
CERT/KEY: a self-signed certificate for 127.0.0.1, for a TLS call to a
loopback HTTPS server run here by Python's own ssl module (so the
library's OpenSSL and Python's meet in one process).
Prints one line per check ("ok ..." / "FAIL ...") and exits 1 on a failure.
"""
from __future__ import annotations

import http.server
import os
import ssl
import sys
import sysconfig
import threading
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


class _Tables(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"TableNames":["over-tls"]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def tls_call(ddbxo: Any, cert: str, key: str) -> None:
    """One ListTables over HTTPS to a loopback server whose certificate the
    client trusts through ca_file; and refused without it."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tables)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{srv.server_address[1]}"
    try:
        with ddbxo.Client(endpoint_url=url, ca_file=cert, max_attempts=1) as c:
            check(c.call("ListTables", {}) == {"TableNames": ["over-tls"]},
                  "TLS call verified against ca_file (the library's OpenSSL beside Python's)")
        with ddbxo.Client(endpoint_url=url, max_attempts=1) as c:
            try:
                c.call("ListTables", {})
                check(False, "an untrusted certificate was accepted")
            except ddbxo.Error as e:
                check("certificate" in str(e).lower(),
                      f"an untrusted certificate is refused ({type(e).__name__}: "
                      f"{str(e)[:90]})")
    finally:
        srv.shutdown()


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
    if want_static:  # its libcurl's built-in path is Amazon Linux's
        found = _ffi.default_ca_file()
        check(found is not None and os.path.isfile(found),
              f"the wheel's library finds this system's CA bundle: {found}")

    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_REGION": "us-east-1"}.items():
        os.environ[k] = v
    tls_call(ddbxo, sys.argv[3], sys.argv[4])
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
