"""Data Validator: checks every connector's raw result before mapping.

Input: {"executionId", "results": [{"provider", "result": {...}} | {"provider", "failed": true}]};
raw results are at raw/<provider>/<execution name>.json in the audit bucket.
Output: {"validated": [{"provider", "rawKey", "valid", "invalid"}], "failedProviders": [...]}.
"""

import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

AUDIT_BUCKET = os.environ["AUDIT_BUCKET"]
REQUIRED = {"bookingId": str, "travelerId": str, "type": str, "start": str}

_s3 = boto3.client("s3")


def _problems(booking):
    return [
        f"{field} must be {kind.__name__}"
        for field, kind in REQUIRED.items()
        if not isinstance(booking.get(field), kind) or not booking.get(field)
    ]


def handler(event, context):
    execution = event["executionId"].rsplit(":", 1)[-1]
    validated, failed = [], []
    for entry in event.get("results", []):
        provider = entry["provider"]
        if entry.get("failed"):
            failed.append(provider)
            continue
        # Lambda connectors return their key; Fargate connectors write to the same place.
        key = (entry.get("result") or {}).get("rawKey") or f"raw/{provider}/{execution}.json"
        raw = json.loads(_s3.get_object(Bucket=AUDIT_BUCKET, Key=key)["Body"].read())
        bookings = raw.get("bookings", [])
        invalid = [b.get("bookingId") for b in bookings if _problems(b)]
        validated.append({"provider": provider, "rawKey": key, "valid": len(bookings) - len(invalid), "invalid": invalid})
    logger.info(json.dumps({"validated": len(validated), "failedProviders": failed}))
    return {"validated": validated, "failedProviders": failed}
