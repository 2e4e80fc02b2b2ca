"""Event Publisher: publishes one `booking-synced` event per mapped booking to the
integration bus, 10 entries per PutEvents call (the API's maximum; seed: "Batch: 10").

Input: {"executionId", "mapped": {"key", "count"}}. Output: {"published", "failed"}.
"""

import json
import os

import boto3

BUS = os.environ["EVENT_BUS_NAME"]
AUDIT_BUCKET = os.environ["AUDIT_BUCKET"]
BATCH = 10

_events = boto3.client("events")
_s3 = boto3.client("s3")


def handler(event, context):
    bookings = json.loads(_s3.get_object(Bucket=AUDIT_BUCKET, Key=event["mapped"]["key"])["Body"].read())
    published = failed = 0
    for start in range(0, len(bookings), BATCH):
        entries = [
            {
                "EventBusName": BUS,
                "Source": "roadwarrior.integration",
                "DetailType": "booking-synced",
                "Detail": json.dumps(b),
            }
            for b in bookings[start : start + BATCH]
        ]
        response = _events.put_events(Entries=entries)
        failed += response.get("FailedEntryCount", 0)
        published += len(entries) - response.get("FailedEntryCount", 0)
    if failed:
        raise RuntimeError(f"{failed} booking-synced events were not published")
    return {"published": published, "failed": failed}
