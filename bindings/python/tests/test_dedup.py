"""Dedup key v1 and request tokens against the known-answer vectors in
tests/vectors/dedup-v1.json (shared with the C and Go suites)."""
from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import ddbxo
from conftest import REPO

VECTORS: Dict[str, Any] = json.loads((REPO / "tests" / "vectors" / "dedup-v1.json").read_bytes())


def _ids(items: List[Dict[str, Any]]) -> List[str]:
    return [v["name"] for v in items]


@pytest.mark.parametrize("vec", VECTORS["vectors"], ids=_ids(VECTORS["vectors"]))
def test_dedup_vector(vec: Dict[str, Any]) -> None:
    table = vec.get("source_table")
    assert ddbxo.dedup_key(vec["record"], source_table=table) == vec["dedup_key"]
    assert ddbxo.dedup_canonical(vec["record"], table).hex() == vec["canonical_hex"]
    # The same through a parsed event and the Record's own field.
    rec = ddbxo.parse_event({"Records": [vec["record"]]})[0]
    assert ddbxo.dedup_key(rec, table) == vec["dedup_key"]
    if table is None:
        assert rec.dedup_key == vec["dedup_key"]


@pytest.mark.parametrize("vec", VECTORS["tokens"], ids=_ids(VECTORS["tokens"]))
def test_token_vector(vec: Dict[str, Any]) -> None:
    token = ddbxo.client_request_token(vec["dedup_keys"])
    assert token == vec["token"] and len(token) == 36


def test_getrecords_record_needs_source_table() -> None:
    vec = next(v for v in VECTORS["vectors"] if v.get("source_table"))
    rec = ddbxo.parse_record(vec["record"])
    assert "eventSourceARN" not in vec["record"]
    assert rec.dedup_key is None
    with pytest.raises(ddbxo.ValidationError):
        ddbxo.dedup_key(rec)
    assert ddbxo.dedup_key(rec, vec["source_table"]) == vec["dedup_key"]


def test_token_needs_keys() -> None:
    with pytest.raises(ddbxo.ValidationError):
        ddbxo.client_request_token([])
    with pytest.raises(TypeError):
        ddbxo.client_request_token("abc")  # type: ignore[arg-type]
