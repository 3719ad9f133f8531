"""A FAULT-INJECTING HTTP proxy for the fault campaign: test code only.

It sits on 127.0.0.1 between libddbxo and moto server and, per request,
draws from seeded rates what to do with it.  Requests are classified by
their ``X-Amz-Target`` so that rates differ per class:

``write``   DynamoDB PutItem, UpdateItem, DeleteItem, TransactWriteItems,
            BatchWriteItem (target, ledger and checkpoint writes alike)
``stream``  every DynamoDB Streams call (DescribeStream, GetShardIterator,
            GetRecords)
``read``    the other DynamoDB calls (GetItem, DescribeTable, ...)
``sqs``     SQS calls

Fault kinds (the names the campaign's tables print):

``throttle``      400 ThrottlingException, not forwarded
``provisioned``   400 ProvisionedThroughputExceededException, not forwarded
``http500``       500 InternalServerError, not forwarded
``http503``       503 ServiceUnavailable, not forwarded
``drop_before``   the request is read, the connection closed (RST) without
                  forwarding: nothing applied, the client does not know
``drop_after``    forwarded (applied upstream), then the connection closed
                  without an answer: applied, the client does not know
``bad_crc``       forwarded, answered with a wrong ``x-amz-crc32``
``truncate``      forwarded, the body cut in half under the full
                  Content-Length, then closed
``latency``       forwarded after a delay (``latency_ms``)

Each class has its own PRNG seeded from (seed, class), drawn once per
request of that class in arrival order, so one seed gives the same fault
sequence per class on every run; which request meets which fault still
depends on how concurrent requests interleave.  A *storm* answers every
request of the given classes with ThrottlingException while it is on.

The proxy runs an asyncio loop in a daemon thread of the calling process;
``counts()`` returns what it did.
"""
from __future__ import annotations

import asyncio
import hashlib
import random
import re
import threading
import zlib
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional, Tuple

KINDS = ("throttle", "provisioned", "http500", "http503", "drop_before",
         "drop_after", "bad_crc", "truncate", "latency")
CLASSES = ("write", "stream", "read", "sqs", "other")

_WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems",
              "BatchWriteItem"}

_LOCAL = {
    "throttle": (400, "ThrottlingException"),
    "provisioned": (400, "ProvisionedThroughputExceededException"),
    "http500": (500, "InternalServerError"),
    "http503": (503, "ServiceUnavailable"),
}

_TOKEN = re.compile(rb'"ClientRequestToken"\s*:\s*"([^"]{1,64})"')

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found",
            500: "Internal Server Error", 503: "Service Unavailable"}


def classify(target: str) -> str:
    if target.startswith("DynamoDBStreams_"):
        return "stream"
    if target.startswith("DynamoDB_"):
        return "write" if target.split(".", 1)[-1] in _WRITE_OPS else "read"
    if target.startswith("AmazonSQS."):
        return "sqs"
    return "other"


@dataclass
class Profile:
    """Per-class fault rates: {class: {kind: probability}}."""
    rates: Dict[str, Dict[str, float]] = field(default_factory=dict)
    latency_ms: int = 200

    def total(self, cls: str) -> float:
        return sum(self.rates.get(cls, {}).values())


def spread(p: float, kinds: Iterable[str]) -> Dict[str, float]:
    """Probability p split evenly over kinds."""
    ks = list(kinds)
    return {k: p / len(ks) for k in ks}


class FaultProxy:
    def __init__(self, upstream_port: int, seed: int,
                 profile: Optional[Profile] = None) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.seed = seed
        self.profile = profile or Profile()
        self._rng = {c: random.Random(self._class_seed(c)) for c in CLASSES}
        self._mu = threading.Lock()
        self.requests: Dict[str, int] = {c: 0 for c in CLASSES}
        self.injected: Dict[str, Dict[str, int]] = {
            c: {k: 0 for k in KINDS} for c in CLASSES}
        self.storm_classes: Tuple[str, ...] = ()
        self.storm_requests = 0
        # TransactWriteItems attempts per ClientRequestToken (a new token
        # per call, the same on the call's resends): what the storm
        # scenario's retry bound is checked with.
        self.tokens: Dict[str, int] = {}
        self.storm_tokens: set = set()
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        # Connection tasks, held strongly: once a killed client's side is
        # gone, a task waiting on moto is otherwise referenced only from a
        # cycle, and the garbage collector destroys it mid-request ("Task
        # was destroyed but it is pending!") with moto's connection open.
        self._tasks: set = set()
        self.port = 0
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,),
                                        daemon=True, name="faultproxy")
        self._thread.start()
        ready.wait(10)
        if not self.port:
            raise RuntimeError("faultproxy: could not listen")

    def _class_seed(self, cls: str) -> int:
        h = hashlib.sha256(f"{self.seed}/{cls}".encode()).digest()
        return int.from_bytes(h[:8], "big")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------- control
    def set_profile(self, profile: Profile) -> None:
        with self._mu:
            self.profile = profile

    def storm(self, classes: Tuple[str, ...]) -> None:
        """Throttle every request of these classes until storm(())."""
        with self._mu:
            self.storm_classes = classes

    def counts(self) -> Tuple[Dict[str, int], Dict[str, Dict[str, int]]]:
        with self._mu:
            return (dict(self.requests),
                    {c: dict(k) for c, k in self.injected.items()})

    def reset_counts(self) -> None:
        with self._mu:
            self.requests = {c: 0 for c in CLASSES}
            self.injected = {c: {k: 0 for k in KINDS} for c in CLASSES}
            self.storm_requests = 0
            self.tokens = {}
            self.storm_tokens = set()

    def close(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    # ---------------------------------------------------------- server
    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", 0, backlog=256)
            self.port = self._server.sockets[0].getsockname()[1]
        self._loop.run_until_complete(start())
        ready.set()
        self._loop.run_forever()

    def _decide(self, cls: str, token: Optional[str]) -> Optional[str]:
        with self._mu:
            self.requests[cls] += 1
            if token:
                self.tokens[token] = self.tokens.get(token, 0) + 1
                if cls in self.storm_classes:
                    self.storm_tokens.add(token)
            if cls in self.storm_classes:
                self.injected[cls]["throttle"] += 1
                self.storm_requests += 1
                return "throttle"
            r = self._rng[cls].random()
            acc = 0.0
            for kind, p in self.profile.rates.get(cls, {}).items():
                acc += p
                if r < acc:
                    self.injected[cls][kind] += 1
                    return kind
            return None

    async def _serve(self, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if len(head) > 65536:
                    return
                lines = head.decode("latin-1").split("\r\n")
                hdrs = {}
                for ln in lines[1:]:
                    if ":" in ln:
                        k, v = ln.split(":", 1)
                        hdrs[k.strip().lower()] = v.strip()
                clen = int(hdrs.get("content-length", "0") or 0)
                body = await reader.readexactly(clen) if clen else b""
                target = hdrs.get("x-amz-target", "")
                cls = classify(target)
                token = None
                if target.endswith(".TransactWriteItems"):
                    m = _TOKEN.search(body)
                    token = m.group(1).decode() if m else None
                kind = self._decide(cls, token)
                keep = hdrs.get("connection", "").lower() != "close"
                if kind in _LOCAL:
                    status, etype = _LOCAL[kind]
                    b = ('{"__type":"com.amazonaws.dynamodb.v20120810#%s",'
                         '"message":"injected by the fault campaign proxy"}'
                         % etype).encode()
                    self._write(writer, status, [("x-amzn-ErrorType", etype),
                                ("Content-Type", "application/x-amz-json-1.0")],
                                b, crc=True)
                    await writer.drain()
                    if not keep:
                        return
                    continue
                if kind == "drop_before":
                    self._rst(writer)
                    return
                if kind == "latency":
                    await asyncio.sleep(self.profile.latency_ms / 1000.0)
                up = await self._forward(lines[0], head, body)
                if up is None:
                    self._write(writer, 502, [], b'{"message":"upstream"}')
                    await writer.drain()
                    return
                status, uh, ub = up
                if kind == "drop_after":
                    self._rst(writer)
                    return
                crc = None
                if kind == "bad_crc":
                    crc = (zlib.crc32(ub) ^ 0x5A5A5A5A) & 0xFFFFFFFF
                if kind == "truncate":
                    self._write(writer, status, uh, ub, send=len(ub) // 2)
                    await writer.drain()
                    writer.close()
                    return
                self._write(writer, status, uh, ub, crc_value=crc)
                await writer.drain()
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._tasks.discard(task)
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - already gone
                pass

    @staticmethod
    def _rst(writer: asyncio.StreamWriter) -> None:
        import socket
        import struct
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        writer.transport.abort()

    @staticmethod
    def _write(writer: asyncio.StreamWriter, status: int,
               headers: list, body: bytes, crc: bool = False,
               crc_value: Optional[int] = None,
               send: Optional[int] = None) -> None:
        out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        for k, v in headers:
            if crc_value is not None and k.lower() == "x-amz-crc32":
                continue
            out.append(f"{k}: {v}")
        if crc:
            out.append(f"x-amz-crc32: {zlib.crc32(body) & 0xFFFFFFFF}")
        if crc_value is not None:
            out.append(f"x-amz-crc32: {crc_value}")
        out.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
        writer.write(body if send is None else body[:send])

    async def _forward(self, reqline: str, head: bytes, body: bytes
                       ) -> Optional[Tuple[int, list, bytes]]:
        try:
            r, w = await asyncio.open_connection(*self.upstream)
        except OSError:
            return None
        try:
            lines = head.decode("latin-1").split("\r\n")
            out = [lines[0]] + [ln for ln in lines[1:] if ln and not
                                ln.lower().startswith("connection:")]
            out.append("Connection: close")
            w.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
            await w.drain()
            raw = await r.read()
        except (OSError, asyncio.IncompleteReadError):
            return None
        finally:
            w.close()
        eoh = raw.find(b"\r\n\r\n")
        if eoh < 0:
            return None
        hl = raw[:eoh].decode("latin-1").split("\r\n")
        try:
            status = int(hl[0].split()[1])
        except (IndexError, ValueError):
            return None
        ub = raw[eoh + 4:]
        headers = []
        chunked = False
        for ln in hl[1:]:
            if ":" not in ln:
                continue
            k, v = ln.split(":", 1)
            lk = k.strip().lower()
            if lk == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            if lk in ("connection", "keep-alive", "transfer-encoding",
                      "content-length", "date", "server"):
                if lk == "content-length":
                    n = int(v.strip() or 0)
                    ub = ub[:n]
                continue
            headers.append((k.strip(), v.strip()))
        if chunked:
            ub = _dechunk(ub)
        return status, headers, ub


def _dechunk(b: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(b):
        j = b.find(b"\r\n", i)
        if j < 0:
            break
        n = int(b[i:j].split(b";")[0] or b"0", 16)
        if n == 0:
            break
        out += b[j + 2:j + 2 + n]
        i = j + 2 + n + 2
    return bytes(out)
