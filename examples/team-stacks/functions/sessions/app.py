"""Creates a session item in the table named by TABLE_NAME."""

import json
import os
import time
import uuid

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    session = {
        "session_id": str(uuid.uuid4()),
        "user_id": body.get("user_id", "anonymous"),
        "expires_at": int(time.time()) + 24 * 3600,
    }
    TABLE.put_item(Item=session)
    return {"statusCode": 201, "body": json.dumps(session)}
