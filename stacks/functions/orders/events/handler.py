"""Seed 003 ("Implementar DynamoDB Streams para eventos"): order events from the table.

Subscribed to the orders table's stream (new and old images): a new order publishes
OrderCreated, a status change OrderStatusChanged, to the order events topic. The event
follows the write itself, so no order is stored without its event (the CRUD function no
longer publishes: a failed publish after a successful write lost the event).

Records that fail are reported one by one (`batchItemFailures`, the record's
SequenceNumber): Lambda retries from the first of them, splits batches that keep failing,
and finally sends them to the mapping's on-failure queue.
"""

import json
import logging
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

TOPIC_ARN = os.environ["EVENTS_TOPIC_ARN"]

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

sns = boto3.client("sns")
deserializer = TypeDeserializer()


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            publish(record)
        except Exception:
            logger.exception("cannot publish", extra={"eventID": record.get("eventID")})
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
            # Later records of the shard wait for this one: stop here.
            break
    return {"batchItemFailures": failures}


def publish(record):
    change = record["dynamodb"]
    new = image(change.get("NewImage"))
    old = image(change.get("OldImage"))
    if record["eventName"] == "INSERT":
        send("OrderCreated", {"type": "OrderCreated", "order": new})
    elif record["eventName"] == "MODIFY" and old.get("status") != new.get("status"):
        send(
            "OrderStatusChanged",
            {"type": "OrderStatusChanged", "order": new, "previousStatus": old.get("status")},
        )


def image(attributes):
    return {k: deserializer.deserialize(v) for k, v in (attributes or {}).items()}


def send(kind, message):
    sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps(message, default=encode),
        MessageAttributes={"type": {"DataType": "String", "StringValue": kind}},
    )
    logger.info("event published", extra={"type": kind, "orderId": message["order"].get("orderId")})


def encode(value):
    # DynamoDB numbers deserialize to Decimal.
    return int(value) if value == value.to_integral_value() else float(value)
