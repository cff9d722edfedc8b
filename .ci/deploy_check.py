"""Checks docker-compose.yml offline, without a Docker engine.

Called by .ci/deploy-check (which prepares the venv). Validates the file against the Compose
Specification's JSON schema (deploy/compose-spec.json, vendored: CI may not reach GitHub),
then what the schema cannot see: every service a `depends_on` names and every named volume a
service mounts is declared, every bind-mounted file exists in the repository, and every
SLUICE__SECTION__KEY variable is a key of config/default.toml (the gateway refuses to start
on an unknown key).
"""

import sys
import tomllib
from pathlib import Path

import jsonschema
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
SCHEMA = REPO / "deploy" / "compose-spec.json"
DEFAULTS = REPO / "config" / "default.toml"
# Settings another branch adds: accepted before config/default.toml has them. Remove an
# entry once that file has its key.
PENDING_KEYS = set()


def schema_errors(compose):
    schema = yaml.safe_load(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    for error in sorted(validator.iter_errors(compose), key=lambda e: list(e.path)):
        where = "/".join(str(part) for part in error.path) or "(top level)"
        yield f"{where}: {error.message}"


def reference_errors(compose):
    services = compose.get("services", {})
    volumes = compose.get("volumes") or {}
    for name, service in services.items():
        depends_on = service.get("depends_on", [])
        for dependency in depends_on:
            if dependency not in services:
                yield f"services/{name}/depends_on: no service named {dependency!r}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0] if isinstance(mount, str) else mount.get("source", "")
            if source.startswith((".", "/")):
                if not (REPO / source).exists():
                    yield f"services/{name}/volumes: {source} does not exist"
            elif source and source not in volumes:
                yield f"services/{name}/volumes: no top-level volume named {source!r}"


def setting_errors(compose):
    defaults = tomllib.loads(DEFAULTS.read_text())
    for name, service in compose.get("services", {}).items():
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for variable in environment:
            if not variable.startswith("SLUICE__"):
                continue
            parts = variable.removeprefix("SLUICE__").lower().split("__")
            key = ".".join(parts)
            if key in PENDING_KEYS:
                continue
            section = defaults
            for part in parts:
                section = section.get(part) if isinstance(section, dict) else None
            if section is None or isinstance(section, dict):
                yield (
                    f"services/{name}/environment: {variable} is not a setting "
                    f"({key} is not a key of config/default.toml)"
                )


def main():
    compose = yaml.safe_load(COMPOSE.read_text())
    errors = [
        *schema_errors(compose),
        *reference_errors(compose),
        *setting_errors(compose),
    ]
    for error in errors:
        print(f"docker-compose.yml: {error}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"docker-compose.yml: valid ({len(compose['services'])} services)")


if __name__ == "__main__":
    main()
