"""Error Handler: classifies a failure of a provider or of the workflow.

Input: {"stage": "provider" | "workflow", "provider"?, "error": {"Error", "Cause"}, "executionId"}.
Output: {"retryable", "circuitOpen", "error"}. A provider that failed 3 times in a row within
this execution environment's life opens its circuit (stateless-ish: reset on cold start).
"""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

RETRYABLE = {"States.Timeout", "States.TaskFailed", "Lambda.TooManyRequestsException", "Lambda.ServiceException"}
CIRCUIT_THRESHOLD = 3

_consecutive_failures = {}


def handler(event, context):
    error = event.get("error") or {}
    name = error.get("Error", "Unknown")
    provider = event.get("provider")
    circuit_open = False
    if provider:
        _consecutive_failures[provider] = _consecutive_failures.get(provider, 0) + 1
        circuit_open = _consecutive_failures[provider] >= CIRCUIT_THRESHOLD
    result = {
        "stage": event.get("stage", "workflow"),
        "provider": provider,
        "retryable": name in RETRYABLE,
        "circuitOpen": circuit_open,
        "error": name,
        "executionId": event.get("executionId"),
    }
    logger.error(json.dumps(dict(result, cause=str(error.get("Cause", ""))[:1000])))
    return result
