"""Seed 003: orders CRUD behind a REST API (Lambda proxy integration).

Routes
  POST   /orders                  create an order (status PENDING); the table's stream
                                  publishes OrderCreated (functions/orders/events)
  GET    /orders?status=STATUS    orders in a status, newest first (StatusIndex)
  GET    /orders/{orderId}        one order
  PUT    /orders/{orderId}        change its status
  DELETE /orders/{orderId}        delete it

The table key is orderId + createdAt, so an order is found by querying its orderId.
API Gateway has already validated parameters and JSON bodies against the method models.
"""

import json
import logging
import os
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key

TABLE_NAME = os.environ["TABLE_NAME"]
STATUS_INDEX = os.environ.get("STATUS_INDEX", "StatusIndex")
ALLOWED_ORIGIN = os.environ.get("ALLOWED_ORIGIN", "")
STATUSES = {"PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"}
PAGE_SIZE = 50

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

table = boto3.resource("dynamodb").Table(TABLE_NAME)


def handler(event, context):
    method = event.get("httpMethod")
    resource = event.get("resource")
    try:
        if resource == "/orders" and method == "POST":
            return create_order(parse_body(event))
        if resource == "/orders" and method == "GET":
            status = (event.get("queryStringParameters") or {}).get("status", "")
            return list_orders(status)
        order_id = (event.get("pathParameters") or {}).get("orderId", "")
        if resource == "/orders/{orderId}" and method == "GET":
            return get_order(order_id)
        if resource == "/orders/{orderId}" and method == "PUT":
            return update_status(order_id, parse_body(event))
        if resource == "/orders/{orderId}" and method == "DELETE":
            return delete_order(order_id)
        return respond(404, {"error": f"no route for {method} {resource}"})
    except BadRequest as e:
        return respond(400, {"error": str(e)})


class BadRequest(Exception):
    pass


def parse_body(event):
    try:
        body = json.loads(event.get("body") or "{}", parse_float=Decimal)
    except ValueError:
        raise BadRequest("the body is not JSON")
    if not isinstance(body, dict):
        raise BadRequest("the body is not a JSON object")
    return body


def create_order(body):
    items = body.get("items") or []
    if not body.get("customerId") or not items:
        raise BadRequest("customerId and at least one item are required")
    total = sum(Decimal(str(i["quantity"])) * Decimal(str(i["unitPrice"])) for i in items)
    order = {
        "orderId": str(uuid.uuid4()),
        "createdAt": now(),
        "status": "PENDING",
        "customerId": body["customerId"],
        "items": items,
        "total": total,
    }
    table.put_item(Item=order, ConditionExpression="attribute_not_exists(orderId)")
    logger.info("order created", extra={"orderId": order["orderId"]})
    return respond(201, order)


def list_orders(status):
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {sorted(STATUSES)}")
    result = table.query(
        IndexName=STATUS_INDEX,
        KeyConditionExpression=Key("status").eq(status),
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
    )
    return respond(200, {"orders": result["Items"]})


def find(order_id):
    result = table.query(
        KeyConditionExpression=Key("orderId").eq(order_id),
        ScanIndexForward=False,
        Limit=1,
    )
    items = result["Items"]
    return items[0] if items else None


def get_order(order_id):
    order = find(order_id)
    if order is None:
        return respond(404, {"error": "order not found"})
    return respond(200, order)


def update_status(order_id, body):
    status = body.get("status")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {sorted(STATUSES)}")
    order = find(order_id)
    if order is None:
        return respond(404, {"error": "order not found"})
    result = table.update_item(
        Key={"orderId": order["orderId"], "createdAt": order["createdAt"]},
        UpdateExpression="SET #s = :s, updatedAt = :u",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": status, ":u": now()},
        ReturnValues="ALL_NEW",
    )
    return respond(200, result["Attributes"])


def delete_order(order_id):
    order = find(order_id)
    if order is None:
        return respond(404, {"error": "order not found"})
    table.delete_item(Key={"orderId": order["orderId"], "createdAt": order["createdAt"]})
    return respond(204, None)


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def encode(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def respond(status, body):
    headers = {"Content-Type": "application/json"}
    if ALLOWED_ORIGIN:
        headers["Access-Control-Allow-Origin"] = ALLOWED_ORIGIN
        headers["Vary"] = "Origin"
    return {
        "statusCode": status,
        "headers": headers,
        "body": "" if body is None else json.dumps(body, default=encode),
    }
