"""Rotation of the partner credentials secret (Secrets Manager's four steps).

The secret is one JSON document, one entry per provider: {"endpoint", "client_id",
"client_secret", "token"}. Rotation asks each provider's token endpoint for a new token with
the client credentials; providers whose API has no token endpoint keep their entry.
"""

import json
import logging
import urllib.parse
import urllib.request

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

_secrets = boto3.client("secretsmanager")


def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = _secrets.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"rotation is not enabled for {arn}")
    stages = metadata["VersionIdsToStages"].get(token, [])
    if "AWSCURRENT" in stages:
        logger.info("version %s is already current", token)
        return
    if "AWSPENDING" not in stages:
        raise ValueError(f"version {token} is not pending")
    {"createSecret": create, "setSecret": set_secret, "testSecret": test, "finishSecret": finish}[step](arn, token)


def _value(arn, stage, token=None):
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if token:
        kwargs["VersionId"] = token
    return json.loads(_secrets.get_secret_value(**kwargs)["SecretString"])


def _new_token(entry):
    if "token_url" not in entry:
        return entry.get("token")
    body = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": entry["client_id"], "client_secret": entry["client_secret"]}
    ).encode()
    with urllib.request.urlopen(urllib.request.Request(entry["token_url"], data=body), timeout=20) as r:
        return json.loads(r.read())["access_token"]


def create(arn, token):
    try:
        _value(arn, "AWSPENDING", token)
        return
    except _secrets.exceptions.ResourceNotFoundException:
        pass
    current = _value(arn, "AWSCURRENT")
    pending = {provider: dict(entry, token=_new_token(entry)) for provider, entry in current.items()}
    _secrets.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending), VersionStages=["AWSPENDING"]
    )


def set_secret(arn, token):
    # Tokens are issued by the providers themselves in createSecret: nothing to push.
    logger.info("setSecret: nothing to do for %s", arn)


def test(arn, token):
    pending = _value(arn, "AWSPENDING", token)
    missing = [p for p, entry in pending.items() if not entry.get("token")]
    if missing:
        raise ValueError(f"pending version lacks tokens for {missing}")


def finish(arn, token):
    metadata = _secrets.describe_secret(SecretId=arn)
    current = next(v for v, s in metadata["VersionIdsToStages"].items() if "AWSCURRENT" in s)
    if current == token:
        return
    _secrets.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )
