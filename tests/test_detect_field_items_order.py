"""The per-field items of an error body (RFC 7807 ``invalid-params``, a JSON-RPC error's ``data``)
make one signature whatever order the service lists them in.

Since 2026-12-07 (world8) the items flow into the failure's message and so its signature; a service
that lists its fields in hash or validation order split one failure into a signature per order
(6 of 6 orders of three fields were distinct), so the evidence a skill is mined from was divided.
"""

from __future__ import annotations

import itertools
import json

from skillevo._detect import detect_failure

ITEMS = [
    {"field": "qty", "message": "must be an integer"},
    {"field": "color", "message": "must be one of red, blue"},
    {"field": "/window/start", "message": "must be a date"},
]


def test_every_order_of_the_items_is_one_signature() -> None:
    signatures = set()
    for order in itertools.permutations(ITEMS):
        body = {"jsonrpc": "2.0", "id": 7, "error": {"code": -32602, "message": "Invalid params", "data": list(order)}}
        found = detect_failure(json.dumps(body))
        assert found is not None
        signatures.add(found.signature)
    assert len(signatures) == 1, signatures


def test_a_problem_lists_its_invalid_params_in_one_order() -> None:
    texts = set()
    for order in itertools.permutations(ITEMS[:2]):
        params = [{"name": i["field"], "reason": i["message"]} for i in order]
        body = {"type": "about:blank", "title": "Bad Request", "status": 400, "invalid-params": params}
        found = detect_failure(body)
        assert found is not None
        texts.add(found.message)
    assert len(texts) == 1, texts
