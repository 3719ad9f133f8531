"""examples/python-lambda as Lambda runs it: the real runtime interface
emulator (RIE) starts the AWS Python runtime interface client
(awslambdaric) on function/handler.py, with the layer's python/ on the
path as /opt/python is on Lambda, and moto as DynamoDB.  RIE has no event
source mapping: the tests read the stream themselves and post the event.

Environment (examples/python-lambda/test/run.sh): LAMBDA_RIE, RIC_PYTHON
(a python with awslambdaric), LAYER_ZIP, CFN_LINT, DDBXO_MOTO_SERVER.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import boto3
import pytest

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
REPO = EXAMPLE.parents[1]
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
         "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: bytes, timeout: float = 60) -> "tuple[int, bytes]":
    req = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return int(r.status), r.read()
    except urllib.error.HTTPError as e:
        return int(e.code), e.read()


@pytest.fixture(scope="session")
def moto() -> Iterator[str]:
    exe = os.environ["DDBXO_MOTO_SERVER"]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # Single-threaded, as the other suites run it (moto's threaded server
    # takes no locks).
    code = ("import sys\nfrom werkzeug.serving import run_simple\n"
            "from moto.moto_server.werkzeug_app import DomainDispatcherApplication, "
            "create_backend_app\nrun_simple('127.0.0.1', int(sys.argv[1]), "
            "DomainDispatcherApplication(create_backend_app), threaded=False)\n")
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([str(Path(exe).parent / "python"), "-c", code, str(port)],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    until = time.monotonic() + 30
    while time.monotonic() < until:
        try:
            if post(endpoint + "/moto-api/reset", b"", 2)[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("moto did not start: " + log.read()[-500:].decode(errors="replace"))
    yield endpoint
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def ddb(moto: str) -> Any:
    assert post(moto + "/moto-api/reset", b"")[0] == 200
    return boto3.client("dynamodb", endpoint_url=moto, **_boto_creds())


def _boto_creds() -> Dict[str, str]:
    return {"region_name": "us-east-1", "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer unpacked as Lambda does: its content under /opt."""
    opt = tmp_path_factory.mktemp("opt")
    with zipfile.ZipFile(os.environ["LAYER_ZIP"]) as z:
        z.extractall(opt)
    return opt


class Rie:
    def __init__(self, layer: Path, endpoint: Optional[str], env: Dict[str, str],
                 timeout_s: int = 20) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ddbxo-pylambda-"))
        self.log_path = self.dir / "rie.log"
        task = EXAMPLE / "function"
        full = {"PATH": "/usr/bin:/bin", **CREDS,
                "AWS_LAMBDA_FUNCTION_NAME": "ddbxo-python-test",
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_s),
                "AWS_EC2_METADATA_DISABLED": "true",
                "LAMBDA_TASK_ROOT": str(task),
                # As on Lambda: the function's code, then the layers' python/.
                "PYTHONPATH": f"{task}:{layer / 'python'}",
                **env}
        if endpoint:
            full["AWS_ENDPOINT_URL"] = endpoint
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [os.environ["LAMBDA_RIE"],
                 "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                 "--runtime-api-address", f"127.0.0.1:{free_port()}",
                 "--log-level", "error",
                 os.environ["RIC_PYTHON"], "-m", "awslambdaric", "handler.handler"],
                cwd=task, env=full, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                start_new_session=True)  # so the runtime dies with RIE
        until = time.monotonic() + 20
        while time.monotonic() < until:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        pytest.fail("RIE did not listen")

    def invoke(self, event: Any) -> "tuple[int, Any]":
        status, body = post(f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/"
                            "invocations", json.dumps(event).encode())
        return status, json.loads(body) if body else None

    def stop(self) -> str:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        text = self.log_path.read_text(errors="replace")
        self.log_path.unlink()
        self.dir.rmdir()
        return text


def create(ddb: Any, name: str, stream: bool = False) -> None:
    args: Dict[str, Any] = dict(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True,
                                       "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(**args)


def stream_event(moto: str, ddb: Any, table: str) -> Dict[str, Any]:
    """The table's stream as the event Lambda's event source mapping sends."""
    streams = boto3.client("dynamodbstreams", endpoint_url=moto, **_boto_creds())
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records: List[Dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            records.extend(page["Records"])
            it = page.get("NextShardIterator") if page["Records"] else None
    for r in records:
        r["eventSourceARN"] = arn
        d = r["dynamodb"]
        if "ApproximateCreationDateTime" in d:  # boto3 made it a datetime
            d["ApproximateCreationDateTime"] = int(d["ApproximateCreationDateTime"].timestamp())
    return {"Records": records}


def snapshot(ddb: Any, table: str) -> List[Dict[str, Any]]:
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))


def test_layer_layout() -> None:
    with zipfile.ZipFile(os.environ["LAYER_ZIP"]) as z:
        names = z.namelist()
    assert {n.split("/")[0] for n in names} == {"python"}
    for want in ("python/ddbxo/__init__.py", "python/ddbxo/client.py",
                 "python/ddbxo/libddbxo.so.0", "python/ddbxo/py.typed"):
        assert want in names
    assert not any("__pycache__" in n or ".dist-info" in n for n in names)


def test_applies_and_a_replay_applies_nothing(moto: str, ddb: Any, layer: Path) -> None:
    create(ddb, "src", stream=True)
    create(ddb, "dst")
    for pk, n in (("a", 1), ("b", 2), ("c", 3), ("a", 10)):
        ddb.put_item(TableName="src", Item={"pk": {"S": pk}, "n": {"N": str(n)},
                                            "secret": {"S": "s3cr3t-item-data"}})
    ddb.delete_item(TableName="src", Key={"pk": {"S": "c"}})
    event = stream_event(moto, ddb, "src")
    assert len(event["Records"]) == 5

    rie = Rie(layer, moto, {"DDBXO_TARGET_TABLE": "dst"})
    try:
        status, first = rie.invoke(event)
        assert status == 200, first
        assert first["batchItemFailures"] == [] and first["failed"] == 0, first
        assert first["records"] == 5 and first["applied"] >= 3, first
        a = ddb.get_item(TableName="dst", Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
        assert a["n"] == {"N": "10"}
        c = ddb.get_item(TableName="dst", Key={"pk": {"S": "c"}},
                         ConsistentRead=True).get("Item")
        assert c is None or "n" not in c          # deleted: at most a tombstone
        before = snapshot(ddb, "dst")

        status, again = rie.invoke(event)         # an ESM retry / duplicate delivery
        assert status == 200, again
        assert again["batchItemFailures"] == [] and again["applied"] == 0, again
        assert again["duplicate"] + again["stale"] == 5, again
        assert snapshot(ddb, "dst") == before
    finally:
        log = rie.stop()
    assert '"applied": 0' in log, log[-2000:]     # the handler's summary line
    assert "s3cr3t-item-data" not in log          # no item data in the logs


def test_missing_target_is_an_init_error(moto: str, layer: Path) -> None:
    rie = Rie(layer, moto, {})
    try:
        status, body = rie.invoke({"Records": []})
    finally:
        rie.stop()
    assert body is not None and "DDBXO_TARGET_TABLE" in body.get("errorMessage", ""), body
    assert body.get("errorType", "").endswith("ConfigurationError"), body


def test_template_lints_and_maps_the_stream_as_the_c_sample() -> None:
    tpl = EXAMPLE / "template.yaml"
    r = subprocess.run([os.environ["CFN_LINT"], str(tpl)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # The event source mapping's settings are the C sample's, line for line.
    def esm(path: Path) -> List[str]:
        lines = path.read_text().splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip() == "SourceStream:")
        out = []
        for line in lines[start:]:
            if out and line.strip() and not line.startswith(" " * 10):
                break
            out.append(line)
        return out
    ours, c_sample = esm(tpl), esm(REPO / "examples" / "lambda" / "template.yaml")
    assert ours == c_sample and any("ReportBatchItemFailures" in x for x in ours)
    text = tpl.read_text()
    assert "Runtime: !Ref Runtime" in text and "Default: python3.12" in text
    assert "ContentUri: ../../build/lambda/ddbxo-python-layer.zip" in text
