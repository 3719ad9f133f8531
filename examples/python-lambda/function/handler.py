"""A DynamoDB stream Lambda on the Python runtime: every record applied to
DDBXO_TARGET_TABLE with an exactly-once effect by libddbxo, through the
ddbxo layer (build/lambda/ddbxo-python-layer.zip).

Configured like the C bootstrap (docs/lambda.md):
  DDBXO_TARGET_TABLE         required
  DDBXO_MODE                 replicate (default) | ledger | tracker
  DDBXO_LEDGER_TABLE         ledger and tracker modes
  DDBXO_TRANSFORM            path of a declarative spec (relative paths are
                             inside the function's package)
  DDBXO_AGGREGATE            GROUP:SUM (ledger or tracker mode)
  DDBXO_SOURCE_VERSION_ATTR  source check attribute
  DDBXO_PARK_QUEUE_URL       SQS queue for records that fail for good
  DDBXO_MARGIN_MS            stop new work this long before the invocation's
                             deadline [1000]
A bad configuration fails the init (the function does not start).
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional

import ddbxo

log = logging.getLogger("ddbxo.handler")
log.setLevel(logging.INFO)


class ConfigurationError(Exception):
    """A variable is missing or wrong: raised at init, so Lambda reports
    an init error instead of running a handler that cannot work."""


def _env(name: str) -> Optional[str]:
    return os.environ.get(name) or None


def _options() -> Dict[str, Any]:
    target = _env("DDBXO_TARGET_TABLE")
    if not target:
        raise ConfigurationError("DDBXO_TARGET_TABLE: not set")
    opts: Dict[str, Any] = {
        "target_table": target,
        "mode": _env("DDBXO_MODE") or "replicate",
        "ledger_table": _env("DDBXO_LEDGER_TABLE"),
        "source_version_attr": _env("DDBXO_SOURCE_VERSION_ATTR"),
        "park_queue_url": _env("DDBXO_PARK_QUEUE_URL"),
        "aggregate": _env("DDBXO_AGGREGATE"),
    }
    spec = _env("DDBXO_TRANSFORM")
    # libddbxo's rules for the mode and the transform (those of the C
    # bootstrap and the CLI), naming the variables.
    try:
        ddbxo.check_mode_options(opts["mode"], ledger_table=opts["ledger_table"],
                                 transform=spec, aggregate=opts["aggregate"],
                                 names=("DDBXO_MODE", "DDBXO_LEDGER_TABLE",
                                        "DDBXO_TRANSFORM", "DDBXO_AGGREGATE"))
    except ddbxo.Error as e:
        raise ConfigurationError(str(e)) from None
    if spec:
        path = Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / spec
        try:
            opts["transform"] = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ConfigurationError(f"DDBXO_TRANSFORM: cannot read {spec}: {e}") from None
    return opts


def _margin_ms() -> int:
    raw = _env("DDBXO_MARGIN_MS") or "1000"
    try:
        ms = int(raw)
    except ValueError:
        ms = -1
    if not 0 <= ms <= 900_000:
        raise ConfigurationError("DDBXO_MARGIN_MS: want milliseconds, 0..900000")
    return ms


# Made once per execution environment (init), reused by every invocation:
# the client keeps its connections and appliers.
OPTIONS = _options()
MARGIN_MS = _margin_ms()
CLIENT = ddbxo.Client()


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    result = CLIENT.process_batch(
        event, remaining_ms=context.get_remaining_time_in_millis() - MARGIN_MS, **OPTIONS)
    # Counts only: never item data.
    log.info("ddbxo %s", json.dumps({k: v for k, v in result.items()
                                     if k != "batchItemFailures"}, sort_keys=True))
    # Lambda reads batchItemFailures (ReportBatchItemFailures); the counts
    # ride along for whoever invokes the function by hand.
    return dict(result)
