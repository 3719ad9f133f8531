"""SigV4 through the binding equals botocore's SigV4Auth on the same request,
credentials and time."""
from __future__ import annotations

import datetime as dt
import json
import random
import string
from typing import Any, List, Optional, Tuple
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import ddbxo

WORDS = ["alpha", "Grüße", "日本語", "emoji 🎉", "tab\there", 'quote"s', "a/b+c=d", ""]


class Recording(SigV4Auth):
    def canonical_request(self, request: Any) -> str:
        self.last_cr: str = super().canonical_request(request)
        return self.last_cr

    def string_to_sign(self, request: Any, canonical_request: str) -> str:
        self.last_sts: str = super().string_to_sign(request, canonical_request)
        return self.last_sts


def host_of(url: str) -> str:
    u = urlsplit(url)
    default = {"http": 80, "https": 443}[u.scheme]
    assert u.hostname
    return u.hostname if u.port in (None, default) else f"{u.hostname}:{u.port}"


def case(r: random.Random) -> Tuple[str, List[Tuple[str, str]], bytes, str, str, str,
                                     Optional[str], dt.datetime]:
    region = r.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
    streams = r.random() < 0.4
    base = "streams.dynamodb" if streams else "dynamodb"
    url = r.choice([f"https://{base}.{region}.amazonaws.com/",
                    f"https://{base}.{region}.amazonaws.com:443/",
                    "http://127.0.0.1:4566/", "http://localhost:8000/"])
    target = ("DynamoDBStreams_20120810.GetRecords" if streams
              else "DynamoDB_20120810." + r.choice(["PutItem", "TransactWriteItems"]))
    doc = {"TableName": "".join(r.choice(string.ascii_letters) for _ in range(8)),
           "Item": {"pk": {"S": r.choice(WORDS) + str(r.randint(0, 99))}}}
    body = json.dumps(doc, ensure_ascii=r.random() < 0.5).encode()
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", target)]
    if r.random() < 0.5:
        headers.append(("X-Padded", "  a   b\t\tc  "))
    akid = "AKIA" + "".join(r.choice(string.ascii_uppercase) for _ in range(16))
    secret = "".join(r.choice(string.ascii_letters + "+/") for _ in range(40))
    token = None if r.random() < 0.5 else "".join(
        r.choice(string.ascii_letters) for _ in range(200)) + "=="
    when = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        seconds=r.randint(0, 60 * 365 * 86400))
    return url, headers, body, akid, secret, region, token, when


@pytest.mark.parametrize("seed", range(40))
def test_sign_matches_botocore(seed: int) -> None:
    url, headers, body, akid, secret, region, token, when = case(random.Random(seed))
    req = AWSRequest(method="POST", url=url, data=body)
    for k, v in headers:
        req.headers[k] = v
    auth = Recording(Credentials(akid, secret, token), "dynamodb", region)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        auth.add_auth(req)

    signed_headers = [("Host", host_of(url))] + headers
    added = dict(ddbxo.sigv4.sign(headers=signed_headers, body=body, access_key_id=akid,
                                  secret_access_key=secret, session_token=token,
                                  region=region, when=when))
    assert added["Authorization"] == req.headers["Authorization"]
    assert added["X-Amz-Date"] == req.headers["X-Amz-Date"]
    assert added.get("X-Amz-Security-Token") == req.headers.get("X-Amz-Security-Token")

    # The steps one by one, and Unix seconds as the time.
    cr = ddbxo.sigv4.canonical_request(headers=signed_headers + [
        ("X-Amz-Date", req.headers["X-Amz-Date"])] + (
        [("X-Amz-Security-Token", token)] if token else []), body=body, region=region, when=when)
    assert cr == auth.last_cr
    assert ddbxo.sigv4.string_to_sign(cr, region=region, when=when) == auth.last_sts
    again = dict(ddbxo.sigv4.sign(headers=signed_headers, body=body, access_key_id=akid,
                                  secret_access_key=secret, session_token=token,
                                  region=region, when=int(when.timestamp())))
    assert again["Authorization"] == added["Authorization"]


def test_sign_refuses_bad_input() -> None:
    with pytest.raises(ddbxo.ValidationError):
        ddbxo.sigv4.sign(headers=[("Host", "h")], access_key_id="", secret_access_key="s",
                         region="us-east-1")
    with pytest.raises(ValueError):
        ddbxo.sigv4.sign(headers=[("Host", "h")], access_key_id="a", secret_access_key="s",
                         region="us-east-1", when=dt.datetime(2020, 1, 1))
