"""Data Mapper: maps validated provider bookings to the internal booking model and stores
the mapped batch in the audit bucket (mapped/<execution>.json).

Input: {"executionId", "validated": [{"provider", "rawKey", "invalid"}]}.
Output: {"mapped": {"key", "count"}}.
"""

import json
import os

import boto3

AUDIT_BUCKET = os.environ["AUDIT_BUCKET"]
KINDS = {"american": "flight", "united": "flight", "delta": "flight", "marriott": "hotel",
         "hilton": "hotel", "booking": "hotel", "hertz": "car"}

_s3 = boto3.client("s3")


def _map(provider, booking):
    return {
        "externalId": f"{provider}:{booking['bookingId']}",
        "travelerId": booking["travelerId"],
        "kind": KINDS.get(provider, booking.get("type")),
        "provider": provider,
        "startsAt": booking["start"],
        "endsAt": booking.get("end"),
        "status": booking.get("status", "confirmed"),
    }


def handler(event, context):
    execution = event["executionId"].rsplit(":", 1)[-1]
    mapped = []
    for entry in event.get("validated", []):
        raw = json.loads(_s3.get_object(Bucket=AUDIT_BUCKET, Key=entry["rawKey"])["Body"].read())
        skip = set(entry.get("invalid", []))
        mapped += [_map(entry["provider"], b) for b in raw.get("bookings", []) if b.get("bookingId") not in skip]
    key = f"mapped/{execution}.json"
    _s3.put_object(Bucket=AUDIT_BUCKET, Key=key, Body=json.dumps(mapped).encode(), ContentType="application/json")
    return {"mapped": {"key": key, "count": len(mapped)}}
