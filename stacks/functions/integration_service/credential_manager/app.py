"""Credential Manager: partner credentials from Secrets Manager, cached 5 minutes per
execution environment (seed: "Cache TTL: 5 min").

- Called by the state machine (no "provider"): returns only {"version"} - execution data is
  logged, credentials must never be in it.
- Called by a connector ({"provider": "american"}): returns that provider's credentials.
"""

import json
import os
import time

import boto3

SECRET_ARN = os.environ["SECRET_ARN"]
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "300"))

_secrets = boto3.client("secretsmanager")
_cached = {"expires": 0.0, "version": None, "value": None}


def _secret():
    now = time.monotonic()
    if _cached["value"] is None or now >= _cached["expires"]:
        response = _secrets.get_secret_value(SecretId=SECRET_ARN)
        _cached.update(
            expires=now + CACHE_TTL_SECONDS,
            version=response["VersionId"],
            value=json.loads(response["SecretString"]),
        )
    return _cached["version"], _cached["value"]


def handler(event, context):
    version, value = _secret()
    provider = (event or {}).get("provider")
    if provider is None:
        return {"version": version}
    if provider not in value:
        raise KeyError(f"no credentials for provider {provider!r}")
    return {"version": version, "credentials": value[provider]}
