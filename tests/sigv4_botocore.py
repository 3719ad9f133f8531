#!/usr/bin/env python3
"""Reference signatures from botocore for tests/auth/check_sigv4.c.

Generates --count DynamoDB / DynamoDB Streams shaped requests from --seed
(deterministic), signs each with botocore's SigV4Auth at a fixed time, and
prints one JSON object per line: the request as the C test must rebuild it,
and botocore's canonical request, string to sign and added headers.

The Host value is computed here from the endpoint URL (as an HTTP client
would send it) and handed to the C side explicitly; botocore derives its own
from the URL, so a wrong host rule on either side shows up as a mismatch.
"""
import argparse
import datetime
import json
import random
import string
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
           "ap-southeast-2", "ap-northeast-1", "sa-east-1", "cn-north-1",
           "us-gov-west-1", "me-south-1", "af-south-1", "il-central-1"]
DDB_OPS = ["PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query",
           "TransactWriteItems", "BatchWriteItem", "DescribeTable", "Scan"]
STREAM_OPS = ["GetRecords", "GetShardIterator", "DescribeStream",
              "ListStreams"]
WORDS = ["alpha", "Grüße", "naïve café", "日本語", "emoji 🎉", "Ünïcödé",
         "tab\there", "quote\"s", "back\\slash", "русский", "ελληνικά",
         "", " spaced  out ", "line\nbreak", "🚀🚀", "a/b+c=d"]


class Recording(SigV4Auth):
    """SigV4Auth that keeps the intermediate strings it computed."""

    def canonical_request(self, request):
        self.last_cr = super().canonical_request(request)
        return self.last_cr

    def string_to_sign(self, request, canonical_request):
        self.last_sts = super().string_to_sign(request, canonical_request)
        return self.last_sts


def rand_text(r, alphabet, lo, hi):
    return "".join(r.choice(alphabet) for _ in range(r.randint(lo, hi)))


def rand_value(r, depth=0):
    k = r.randint(0, 6 if depth < 3 else 3)
    if k == 0:
        return {"S": r.choice(WORDS) + rand_text(r, string.ascii_letters, 0, 8)}
    if k == 1:
        return {"N": str(r.randint(-10**12, 10**12))}
    if k == 2:
        return {"BOOL": r.random() < 0.5}
    if k == 3:
        return {"B": rand_text(r, string.ascii_letters + "+/", 4, 16) + "=="}
    if k == 4:
        return {"M": {rand_text(r, string.ascii_lowercase, 1, 6):
                      rand_value(r, depth + 1) for _ in range(r.randint(0, 3))}}
    if k == 5:
        return {"L": [rand_value(r, depth + 1) for _ in range(r.randint(0, 3))]}
    return {"SS": sorted({r.choice(WORDS) + str(i) for i in range(r.randint(1, 3))})}


def rand_body(r, op):
    roll = r.random()
    if roll < 0.03:
        return b""
    if roll < 0.06:
        return b"{}"
    doc = {"TableName": rand_text(r, string.ascii_letters + "-_.", 3, 20)}
    if op in ("GetRecords",):
        doc = {"ShardIterator": rand_text(r, string.ascii_letters + ":/|", 20, 200),
               "Limit": r.randint(1, 1000)}
    else:
        doc["Item"] = {rand_text(r, string.ascii_lowercase, 1, 8): rand_value(r)
                       for _ in range(r.randint(1, 8))}
        if r.random() < 0.3:
            doc["ConditionExpression"] = "attribute_not_exists(#k) OR #v < :v"
    ascii_only = r.random() < 0.3
    return json.dumps(doc, ensure_ascii=ascii_only,
                      separators=(",", ":") if r.random() < 0.5 else None
                      ).encode("utf-8")


def host_of(url):
    u = urlsplit(url)
    default = {"http": 80, "https": 443}[u.scheme]
    if u.port is None or u.port == default:
        return u.hostname
    return "%s:%d" % (u.hostname, u.port)


def recase(r, name):
    roll = r.random()
    if roll < 0.15:
        return name.lower()
    if roll < 0.25:
        return name.upper()
    return name


def one(r, i):
    region = r.choice(REGIONS)
    streams = r.random() < 0.35
    op = r.choice(STREAM_OPS if streams else DDB_OPS)
    prefix = "DynamoDBStreams_20120810" if streams else "DynamoDB_20120810"
    base = "streams.dynamodb" if streams else "dynamodb"
    url = r.choice([
        "https://%s.%s.amazonaws.com/" % (base, region),
        "https://%s.%s.amazonaws.com/" % (base, region),
        "https://%s.%s.amazonaws.com:443/" % (base, region),
        "http://localhost:8000/",
        "http://127.0.0.1:4566/",
        "https://%s-fips.%s.amazonaws.com/" % (base, region),
    ])
    body = rand_body(r, op)
    headers = [(recase(r, "Content-Type"), "application/x-amz-json-1.0"),
               (recase(r, "X-Amz-Target"), "%s.%s" % (prefix, op))]
    if r.random() < 0.5:
        headers.append(("User-Agent", "Boto3/1.0 Python/3.11 %d" % i))
    if r.random() < 0.3:
        headers.append(("Content-Length", str(len(body))))
    if r.random() < 0.3:
        headers.append(("amz-sdk-invocation-id",
                        "%08x-0000-4000-8000-%012x" % (r.getrandbits(32),
                                                       r.getrandbits(48))))
    if r.random() < 0.3:
        headers.append(("amz-sdk-request", "attempt=%d; max=%d"
                        % (r.randint(1, 3), r.randint(3, 10))))
    if r.random() < 0.2:
        headers.append(("X-Padded", "  a   b\t\tc  "))
    if r.random() < 0.15:
        headers.append(("X-Dup", "second"))
        headers.append(("x-dup", " first "))
    if r.random() < 0.1:
        headers.append(("Expect", "100-continue"))
    if r.random() < 0.1:
        headers.append(("Accept-Encoding", "identity"))
    r.shuffle(headers)

    akid = r.choice(["AKIA", "ASIA"]) + rand_text(r, string.ascii_uppercase + string.digits, 16, 16)
    secret = rand_text(r, string.ascii_letters + string.digits + "+/", 40, 40)
    token = None
    if r.random() < 0.5:
        token = rand_text(r, string.ascii_letters + string.digits + "+/", 100, 900) + "=="
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    when = start + datetime.timedelta(seconds=r.randint(0, 100 * 365 * 86400))
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")

    req = AWSRequest(method="POST", url=url, data=body)
    for name, value in headers:
        req.headers[name] = value  # HTTPHeaders appends: duplicates kept
    auth = Recording(Credentials(akid, secret, token), "dynamodb", region)
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           return_value=when):
        auth.add_auth(req)
    return {
        "i": i, "method": "POST", "path": "/", "host": host_of(url),
        "headers": headers, "body_hex": body.hex(),
        "akid": akid, "secret": secret, "token": token,
        "region": region, "service": "dynamodb", "amz_date": amz_date,
        "unix_time": int(when.timestamp()),
        "canonical_request": auth.last_cr,
        "string_to_sign": auth.last_sts,
        "authorization": req.headers["Authorization"],
        "x_amz_date": req.headers["X-Amz-Date"],
        "x_amz_security_token": req.headers.get("X-Amz-Security-Token"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=300)
    a = ap.parse_args()
    r = random.Random(a.seed)
    out = sys.stdout
    for i in range(a.count):
        out.write(json.dumps(one(r, i), ensure_ascii=True) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
