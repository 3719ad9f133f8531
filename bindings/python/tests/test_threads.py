"""A Client shared by threads: close() waits for the calls in progress
(the C client is never freed under one), and process_batch's pooled
appliers (one per concurrent batch, reused afterwards) behave as fresh ones."""
from __future__ import annotations

import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import ddbxo
from conftest import Moto, create_table, scan, stream_event


class SlowDynamo:
    """A loopback HTTP server that answers every request after `delay`
    seconds with an empty ListTables answer, and says when one arrived."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.arrived = threading.Event()
        self.answered = 0.0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(body) < length:
                body += conn.recv(4096)
            self.arrived.set()
            time.sleep(self.delay)
            self.answered = time.monotonic()
            payload = b'{"TableNames":[]}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                         b"x-amzn-RequestId: slow\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(payload), payload))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def slow() -> Iterator[SlowDynamo]:
    s = SlowDynamo(delay=0.8)
    yield s
    s.close()


def test_close_waits_for_a_call_in_progress(slow: SlowDynamo) -> None:
    client = ddbxo.Client(endpoint_url=slow.endpoint, max_attempts=1)
    got: Dict[str, Any] = {}

    def call() -> None:
        got["answer"] = client.call("ListTables", {})

    t = threading.Thread(target=call)
    t.start()
    assert slow.arrived.wait(10), "the call never reached the server"
    client.close()                      # must wait for the call above
    closed = time.monotonic()
    t.join(10)
    assert got["answer"] == {"TableNames": []}
    assert 0 < slow.answered <= closed  # close() returned after the answer came
    with pytest.raises(ddbxo.ConfigError, match="closed"):
        client.call("ListTables", {})
    client.close()                      # idempotent


def test_close_while_threads_call_and_apply(moto: Moto, boto_ddb: Any) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    create_table(boto_ddb, "dst")
    for i in range(5):
        boto_ddb.put_item(TableName="src", Item={"pk": {"S": f"k{i}"}, "v": {"N": str(i)}})
    client = ddbxo.Client(endpoint_url=moto.endpoint)
    event = stream_event(client, "src")
    done: List[Tuple[str, int, str]] = []
    started = threading.Barrier(5)

    def worker(kind: str) -> None:
        n = 0
        started.wait()
        while True:
            try:
                if kind == "call":
                    assert "TableNames" in client.call("ListTables", {})
                else:
                    res = client.process_batch(event, target_table="dst")
                    assert res["batchItemFailures"] == [] and res["failed"] == 0
                n += 1
            except ddbxo.ConfigError as e:
                done.append((kind, n, str(e)))
                return

    threads = [threading.Thread(target=worker, args=(k,))
               for k in ("call", "call", "batch", "batch")]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.5)
    client.close()
    for t in threads:
        t.join(30)
    assert sorted(k for k, _, _ in done) == ["batch", "batch", "call", "call"]
    assert all(n > 0 and "closed" in msg for _, n, msg in done), done
    assert len(scan(boto_ddb, "dst")) == 5


def test_close_inside_a_transform_is_refused(client: ddbxo.Client, boto_ddb: Any) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    create_table(boto_ddb, "dst")
    boto_ddb.put_item(TableName="src", Item={"pk": {"S": "a"}})
    event = stream_event(client, "src")

    def closes(rec: ddbxo.Record) -> Any:
        client.close()

    res = client.process_batch(event, target_table="dst", transform=closes)
    assert res.outcomes == ["FAILED_PERMANENT"]
    assert "RuntimeError" in res.errors[0].message
    assert isinstance(res.errors[0].__cause__, RuntimeError)
    # The client is still open and works.
    assert client.process_batch(event, target_table="dst")["applied"] == 1


@pytest.fixture
def applier_count(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """Counts ddbxo_applier_new calls made by process_batch."""
    lib = ddbxo.client.lib
    real = lib.ddbxo_applier_new
    made: List[int] = []

    def counting(*args: Any) -> Any:
        ptr = real(*args)
        if ptr:
            made.append(ptr)
        return ptr

    monkeypatch.setattr(lib, "ddbxo_applier_new", counting)
    return made


def test_one_applier_serves_successive_batches(client: ddbxo.Client, boto_ddb: Any,
                                               applier_count: List[int]) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    for t in ("dst", "dst2"):
        create_table(boto_ddb, t)
    for i in range(3):
        boto_ddb.put_item(TableName="src", Item={"pk": {"S": f"k{i}"}, "v": {"N": str(i)}})
    event = stream_event(client, "src")

    first = client.process_batch(event, target_table="dst")
    assert first.outcomes == ["APPLIED"] * 3
    for _ in range(2):  # replays: the same answers as with a fresh applier
        again = client.process_batch(event, target_table="dst")
        assert again.outcomes == ["DUPLICATE"] * 3 and again["batchItemFailures"] == []
    assert len(applier_count) == 1
    # Other settings, another applier; then both are reused.
    assert client.process_batch(event, target_table="dst2")["applied"] == 3
    assert client.process_batch(event, target_table="dst", hard_delete=True)["duplicate"] == 3
    assert client.process_batch(event, target_table="dst2")["duplicate"] == 3
    assert client.process_batch(event, target_table="dst")["duplicate"] == 3
    assert len(applier_count) == 3


def test_pooled_python_transform_calls_each_batchs_function(
        client: ddbxo.Client, boto_ddb: Any, applier_count: List[int]) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    create_table(boto_ddb, "dst")
    boto_ddb.put_item(TableName="src", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    event = stream_event(client, "src")

    def boom(rec: ddbxo.Record) -> Any:
        raise ValueError("first batch")

    r1 = client.process_batch(event, target_table="dst", transform=boom)
    assert r1.outcomes == ["FAILED_PERMANENT"] and "first batch" in r1.errors[0].message
    r2 = client.process_batch(event, target_table="dst", transform=lambda r: None)
    assert r2.outcomes == ["FILTERED"] and r2.errors == {}
    r3 = client.process_batch(event, target_table="dst",
                              transform=lambda r: {"pk": r.keys["pk"], "w": 7})
    assert r3.outcomes == ["APPLIED"]
    items = scan(boto_ddb, "dst")
    assert [(i["pk"], i["w"]) for i in items] == [({"S": "a"}, {"N": "7"})]
    assert len(applier_count) == 1


def test_concurrent_batches_get_their_own_appliers(
        client: ddbxo.Client, boto_ddb: Any, applier_count: List[int]) -> None:
    create_table(boto_ddb, "src", "NEW_AND_OLD_IMAGES")
    create_table(boto_ddb, "dst")
    boto_ddb.put_item(TableName="src", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    event = stream_event(client, "src")
    both = threading.Barrier(2, timeout=20)   # both batches inside at once
    out: List[str] = []

    def meet(rec: ddbxo.Record) -> Any:
        both.wait()
        return {"pk": rec.keys["pk"], "v": rec.new_image["v"] if rec.new_image else 0}

    def run() -> None:
        res = client.process_batch(event, target_table="dst", transform=meet)
        out.extend(res.outcomes)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(out) in (["APPLIED", "DUPLICATE"], ["APPLIED", "STALE"]), out
    assert len(applier_count) == 2
    assert client.process_batch(event, target_table="dst",
                                transform=lambda r: {"pk": "a", "v": 1}).outcomes == ["DUPLICATE"]
    assert len(applier_count) == 2
