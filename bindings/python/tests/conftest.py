"""Fixtures: paths to the repository's shared data, and moto server.

moto is started from DDBXO_MOTO_SERVER (the project's test venv's
moto_server, set by mk/python.mk), else `moto_server` on PATH; the binding's
own venv only needs pytest and boto3.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("DDBXO_REPO", HERE.parents[2]))

# Fake credentials for moto, set before any client is made; never real ones.
for _k, _v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_k] = _v
for _k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
           "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
    os.environ.pop(_k, None)


def testdata() -> Path:
    env = os.environ.get("DDBXO_TESTDATA")
    return Path(env) if env else REPO / "tests" / "data"


def shared_event_files() -> List[Path]:
    files = sorted((testdata() / "events").glob("*.json"))
    assert files, f"no shared events under {testdata()}"
    return files


def load_shared_event(path: Path) -> Dict[str, Any]:
    """The event in a shared file; the botocore examples file is not an
    event, its GetRecords output is (as in tests/stream/check_record.c)."""
    doc = json.loads(path.read_bytes())
    if "examples" in doc:
        doc = doc["examples"]["GetRecords"][0]["output"]
    return doc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str) -> int:
    req = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return int(r.status)
    except OSError:
        return 0


class Moto:
    def __init__(self, endpoint: str, proc: "subprocess.Popen[bytes]") -> None:
        self.endpoint = endpoint
        self.proc = proc

    def reset(self) -> None:
        assert _post(self.endpoint + "/moto-api/reset") == 200


# moto_server's own command line always serves threaded, and moto's
# threaded server takes no locks: two concurrent ADDs to one item can lose
# an update (docs/moto-gaps.md C1), which the ledger tests' shared counter item
# meets.  So the tests run moto's app single-threaded with the Python next
# to moto_server, as the C harness does (tests/harness/moto.c).
_SINGLE_THREADED = (
    "import sys\n"
    "from werkzeug.serving import run_simple\n"
    "from moto.moto_server.werkzeug_app import DomainDispatcherApplication, "
    "create_backend_app\n"
    "run_simple(sys.argv[1], int(sys.argv[2]), "
    "DomainDispatcherApplication(create_backend_app), threaded=False)\n")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    exe = os.environ.get("DDBXO_MOTO_SERVER") or shutil.which("moto_server")
    assert exe, "moto_server not found: set DDBXO_MOTO_SERVER (make python-test does)"
    python = os.path.join(os.path.dirname(exe), "python")
    log = tempfile.TemporaryFile()
    for _ in range(3):  # the port can be taken between probe and bind
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([python, "-c", _SINGLE_THREADED, "127.0.0.1", str(port)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        until = time.monotonic() + 30
        while time.monotonic() < until and proc.poll() is None:
            if _post(endpoint + "/moto-api/reset") == 200:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        log.seek(0)
        pytest.fail("moto did not start: " + log.read()[-600:].decode("utf-8", "replace"))
    try:
        yield Moto(endpoint, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def moto(moto_server: Moto) -> Moto:
    moto_server.reset()
    return moto_server


@pytest.fixture
def boto_ddb(moto: Moto) -> Any:
    import boto3
    return boto3.client("dynamodb", endpoint_url=moto.endpoint, region_name="us-east-1")


@pytest.fixture
def boto_streams(moto: Moto) -> Any:
    import boto3
    return boto3.client("dynamodbstreams", endpoint_url=moto.endpoint,
                        region_name="us-east-1")


@pytest.fixture
def client(moto: Moto) -> Iterator[Any]:
    import ddbxo
    c = ddbxo.Client(endpoint_url=moto.endpoint)
    yield c
    c.close()


def create_table(boto_ddb: Any, name: str, stream: str = "", key: str = "pk") -> None:
    args: Dict[str, Any] = dict(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    boto_ddb.create_table(**args)


def stream_event(client: Any, table: str) -> Dict[str, Any]:
    """Every record of the table's stream as a Lambda event: raw JSON read
    through the binding's generic call (boto3 would decode it), with
    eventSourceARN added as Lambda does."""
    arn = client.call("DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    desc = client.call("DescribeStream", {"StreamArn": arn}, service="streams")
    records: List[Dict[str, Any]] = []
    for shard in desc["StreamDescription"]["Shards"]:
        it = client.call("GetShardIterator", {
            "StreamArn": arn, "ShardId": shard["ShardId"],
            "ShardIteratorType": "TRIM_HORIZON"}, service="streams")["ShardIterator"]
        while it:  # moto's shard never closes: stop at the first empty page
            page = client.call("GetRecords", {"ShardIterator": it}, service="streams")
            records.extend(page["Records"])
            it = page.get("NextShardIterator") if page["Records"] else None
    for r in records:
        r["eventSourceARN"] = arn
    return {"Records": records}


def scan(boto_ddb: Any, table: str) -> List[Dict[str, Any]]:
    """The table's items (DynamoDB JSON), sorted: a comparable snapshot."""
    items = boto_ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=repr))
