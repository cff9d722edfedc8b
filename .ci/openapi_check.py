"""Validates Sluice's OpenAPI documents and runs schemathesis against a demo server.

Called by .ci/openapi-check (which prepares the venv and the binary); see docs/API-DOCS.md.
Exits non-zero on the first invalid document or on any schemathesis failure.
"""

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from openapi_spec_validator import validate

REPO = Path(__file__).resolve().parent.parent
DEMO_START_SECONDS = 180
# Every check about what the server may answer; the data-generation checks
# (negative_data_rejection, positive_data_acceptance) are left out: the table API accepts
# loosely typed query values as DreamFactory does.
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# Operations that would end or weaken the administrator's own session, or lock the account,
# which every later system request depends on: logout and token refresh (both revoke the
# token), profile and password changes (they end the user's sessions) and writes to
# administrators and users (an admin is also a user record). And the package import, whose
# body is a zip (schemathesis has no serializer for application/zip; tests/api/packages*.rs
# test it with real packages, bombs and traversal entries).
SYSTEM_EXCLUDED = "|".join(
    [
        r"^import_package$",
        r"^delete_(admin|user)_session$",
        r"^refresh_(admin|user)_session",
        r"^update_user_profile",
        r"^change_user_password",
        r"^(post|put|patch|delete)_(admin|user)_record",
    ]
)


def log(message):
    print(message, flush=True)


class Demo:
    """`sluice demo` on a free port over a temporary data directory."""

    def __init__(self, binary, data_dir):
        self.stderr = open(data_dir / "server.log", "w")
        self.process = subprocess.Popen(
            [binary, "--data-dir", str(data_dir), "demo", "--port", "0", "--workers", "2"],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env={**os.environ, "SLUICE__LOG__LEVEL": "warn"},
        )
        self.url = self.password = self.api_key = None
        lines = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + DEMO_START_SECONDS
        while self.api_key is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"the demo did not print its banner in {DEMO_START_SECONDS} s")
            if line is None:
                raise SystemExit("the demo exited before printing its banner")
            if line.startswith("listening on "):
                self.url = line.removeprefix("listening on ").strip()
            elif line.startswith("Password:"):
                self.password = line.split(":", 1)[1].strip()
            elif line.startswith("API key:"):
                self.api_key = line.split(":", 1)[1].split()[0]

    def _pump(self, lines):
        for line in self.process.stdout:
            lines.put(line)
        lines.put(None)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.stderr.close()

    def request(self, method, path, headers, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **headers},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)


def without_info_group(document):
    """The document without `info.group`: DreamFactory puts the service type's group there
    (its admin app reads it), a field OpenAPI 3.0's `info` does not define."""
    info = {k: v for k, v in document.get("info", {}).items() if k != "group"}
    return {**document, "info": info}


def check_document(name, document):
    try:
        validate(document)
    except Exception as error:  # the validator raises several unrelated exception types
        raise SystemExit(f"{name} is not a valid OpenAPI 3 document:\n{error}")
    paths = len(document.get("paths", {}))
    log(f"   {name}: valid OpenAPI {document['openapi']} ({paths} paths)")


def run_schemathesis(args, name, document_file, base_url, header, excluded=None, included=None):
    report_dir = Path(args.report_dir) / name
    command = [
        args.schemathesis, "run", str(document_file),
        "--url", base_url,
        "--header", header,
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--generation-with-security-parameters", "false",
        "--suppress-health-check", "all",
        "--report", "junit",
        "--report-dir", str(report_dir),
        "--no-color",
    ]
    if excluded:
        command += ["--exclude-operation-id-regex", excluded]
    if included:
        command += ["--include-path-regex", included]
    log(f"== schemathesis: {name} ({base_url}, seed {args.seed}, "
        f"{args.max_examples} examples per operation)")
    started = time.monotonic()
    try:
        result = subprocess.run(command, timeout=args.timeout, cwd=report_dir.parent)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"schemathesis on {name} took longer than {args.timeout} s")
    log(f"   {name}: {time.monotonic() - started:.0f} s, exit code {result.returncode}")
    return result.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sluice", required=True, help="the sluice binary")
    parser.add_argument("--schemathesis", required=True, help="the schemathesis CLI")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per schemathesis run")
    parser.add_argument("--report-dir", default=str(REPO / "target" / "schemathesis-report"))
    parser.add_argument("--only", choices=["db", "system"], help="fuzz one document only")
    args = parser.parse_args()
    Path(args.report_dir).mkdir(parents=True, exist_ok=True)

    log("== openapi-spec-validator: openapi/")
    for file in sorted((REPO / "openapi").glob("*.json")):
        check_document(f"openapi/{file.name}", json.loads(file.read_text()))

    data_dir = Path(tempfile.mkdtemp(prefix="sluice-openapi-check-"))
    demo = Demo(args.sluice, data_dir)
    ok = True
    try:
        log(f"== demo at {demo.url}")
        key = {"X-DreamFactory-API-Key": demo.api_key}
        login = demo.request(
            "POST",
            "/api/v2/system/admin/session",
            {},
            {"email": "admin@example.com", "password": demo.password},
        )
        admin = {"X-DreamFactory-Session-Token": login["session_token"]}

        log("== openapi-spec-validator: live documents")
        documents = {}
        for who, headers in [("admin", admin), ("demo app", key)]:
            for path in ["/api/v2/api_docs", "/api/v2/api_docs/db"]:
                document = without_info_group(demo.request("GET", path, headers))
                check_document(f"GET {path} as {who}", document)
                documents[(who, path)] = document

        for who, name in [("demo app", "db.json"), ("admin", "db-admin.json")]:
            (data_dir / name).write_text(json.dumps(documents[(who, "/api/v2/api_docs/db")]))
        api_key = f"X-DreamFactory-API-Key: {demo.api_key}"
        session = f"X-DreamFactory-Session-Token: {login['session_token']}"
        # (group, run name, document, base URL, credentials, operation filters), in this order:
        # `_schema` needs more than the demo role grants, an administrator's document, and runs
        # after the table API since it may drop tables; the system API runs last.
        runs = [
            ("db", "db", data_dir / "db.json", "/api/v2/db", api_key, {}),
            ("db", "db-schema", data_dir / "db-admin.json", "/api/v2/db", session,
             {"included": r"^/_schema"}),
            ("system", "system", REPO / "openapi" / "system.json", "/api/v2", session,
             {"excluded": SYSTEM_EXCLUDED}),
        ]
        for group, name, document, base, header, filters in runs:
            if args.only in (None, group):
                ok &= run_schemathesis(args, name, document, demo.url + base, header, **filters)
    finally:
        demo.stop()
        if demo.process.returncode not in (0, -15):
            log(f"the demo exited with {demo.process.returncode}; its log:")
            log((data_dir / "server.log").read_text()[-4000:])
        shutil.rmtree(data_dir, ignore_errors=True)
    if not ok:
        raise SystemExit("schemathesis found failures (reports in " + args.report_dir + ")")
    log("== OpenAPI documents valid, schemathesis found nothing")


if __name__ == "__main__":
    sys.exit(main())
