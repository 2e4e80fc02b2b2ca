"""Lambda connector for one partner API (PROVIDER): American, United, Marriott or Hilton.

Input (from the state machine): {"provider", "credentials": {"version"}, "request", "executionId"}.
Output: {"provider", "records", "rawKey"} - the raw response is stored in the audit bucket
under raw/<provider>/<execution>.json; partner responses are cached in Redis for an hour.
"""

import hashlib
import json
import logging
import os
import urllib.request

import boto3

from redis_cache import RedisCache

logger = logging.getLogger()
logger.setLevel(logging.INFO)

PROVIDER = os.environ["PROVIDER"]
AUDIT_BUCKET = os.environ["AUDIT_BUCKET"]
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "3600"))

_lambda = boto3.client("lambda")
_s3 = boto3.client("s3")
_cache = RedisCache(os.environ["REDIS_HOST"], int(os.environ.get("REDIS_PORT", "6379")))


def _credentials():
    """The provider's credentials, from the Credential Manager function."""
    response = _lambda.invoke(
        FunctionName=os.environ["CREDENTIAL_FUNCTION"],
        Payload=json.dumps({"provider": PROVIDER}).encode(),
    )
    body = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise RuntimeError(f"credential manager failed: {body}")
    return body["credentials"]


def _fetch(credentials, request):
    """Bookings of the requested user (or all changed bookings) from the partner API."""
    query = json.dumps(request, sort_keys=True)
    cache_key = f"{PROVIDER}:bookings:{hashlib.sha256(query.encode()).hexdigest()}"
    cached = _cache.get(cache_key)
    if cached is not None:
        logger.info(json.dumps({"provider": PROVIDER, "cache": "hit"}))
        return json.loads(cached)
    http = urllib.request.Request(
        credentials["endpoint"].rstrip("/") + "/bookings/search",
        data=query.encode(),
        headers={
            "Authorization": f"Bearer {credentials['token']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(http, timeout=20) as response:
        payload = json.loads(response.read())
    _cache.set(cache_key, json.dumps(payload), CACHE_TTL_SECONDS)
    return payload


def handler(event, context):
    execution = event.get("executionId", context.aws_request_id).rsplit(":", 1)[-1]
    payload = _fetch(_credentials(), event.get("request") or {})
    bookings = payload.get("bookings", [])
    key = f"raw/{PROVIDER}/{execution}.json"
    _s3.put_object(
        Bucket=AUDIT_BUCKET,
        Key=key,
        Body=json.dumps(payload).encode(),
        ContentType="application/json",
    )
    logger.info(json.dumps({"provider": PROVIDER, "records": len(bookings), "rawKey": key}))
    return {"provider": PROVIDER, "records": len(bookings), "rawKey": key}
