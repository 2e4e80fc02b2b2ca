"""Seed 000 lab handler: answers POST /hola through an HTTP API (payload format 2.0)."""

import json


def lambda_handler(event, context):
    body = {}
    if event.get("body"):
        try:
            body = json.loads(event["body"])
        except ValueError:
            return {"statusCode": 400, "body": json.dumps({"error": "invalid JSON"})}
    name = body.get("nombre", "mundo")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"mensaje": f"hola, {name}"}),
    }
