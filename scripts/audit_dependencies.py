#!/usr/bin/env python3
"""Audit the locked dependencies (``uv.lock``) against PyPI's vulnerability data.

Used by ``.ci/run`` and ``scripts/check``. Three outcomes, one clear line each:

- **vulnerable**: a locked package has a known vulnerability → exit 1 (CI fails), listing the
  package, version, advisory and the versions that fix it (``uv lock --upgrade-package X``);
- **unreachable**: the vulnerability service could not be asked (network down, a mirror
  without PyPI's JSON API, every package skipped) → exit 0 with a ``WARNING`` line saying that
  nothing was audited: an outage elsewhere must not block a release, but it is never silent;
- **clean** → exit 0.

Anything else (pip-audit crashing, ``uv export`` failing) is an error → exit 2.

The project itself (vardkoll, installed editable) is left out with ``--no-emit-project``: it
is not on PyPI and its own code is not what this audits. Usage::

    uv run python scripts/audit_dependencies.py [--ignore-vuln ID ...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPORT = [
    "uv",
    "export",
    "--frozen",
    "--format",
    "requirements-txt",
    "--no-hashes",
    "--no-emit-project",
    "--all-extras",
    "--all-groups",
]
# Signs in pip-audit's error output that the service, not the audit, failed.
_NETWORK = re.compile(
    r"ConnectionError|ProxyError|NewConnectionError|NameResolutionError|Max retries exceeded|"
    r"Temporary failure in name resolution|Could not resolve host|timed out|Timeout|"
    r"ServiceError|SSLError|Connection refused|Network is unreachable|50[234] Server Error",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Outcome:
    """What the audit found: ``status`` is clean, vulnerable, unreachable or error."""

    status: str
    lines: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return {"clean": 0, "unreachable": 0, "vulnerable": 1}.get(self.status, 2)


def classify(returncode: int, report: str | None, stderr: str) -> Outcome:
    """Turn one pip-audit run (its exit code, JSON report if any, and stderr) into an outcome."""
    if report is None or not report.strip():
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        if _NETWORK.search(stderr):
            return Outcome(
                "unreachable",
                (
                    "WARNING: pip-audit could not reach PyPI's vulnerability service; the "
                    "dependencies were NOT audited this time (not a failure).",
                    *(f"  {line.strip()}" for line in tail),
                ),
            )
        return Outcome(
            "error",
            (f"ERROR: pip-audit failed (exit {returncode}) without a report.", *tail),
        )
    try:
        data: dict[str, Any] = json.loads(report)
        dependencies: list[dict[str, Any]] = list(data["dependencies"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return Outcome("error", (f"ERROR: pip-audit's report is not the expected JSON ({exc}).",))
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    found = [(d, v) for d in audited for v in d.get("vulns", [])]
    if found:
        lines = [f"FAIL: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}:"]
        for dep, vuln in found:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(
                f"  {dep['name']} {dep.get('version', '?')}: {vuln.get('id', '?')} "
                f"(fixed in: {fixes}) — run `uv lock --upgrade-package {dep['name']}`"
            )
        return Outcome("vulnerable", tuple(lines))
    if dependencies and not audited:
        return Outcome(
            "unreachable",
            (
                f"WARNING: PyPI's vulnerability service answered for none of the "
                f"{len(dependencies)} locked packages (e.g. {skipped[0]['skip_reason']}); the "
                "dependencies were NOT audited this time (not a failure).",
            ),
        )
    if returncode not in (0, 1):
        return Outcome("error", (f"ERROR: pip-audit exited {returncode}.",))
    lines = [f"OK: {len(audited)} locked packages audited, no known vulnerabilities."]
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        lines.append(f"  not audited (not found on PyPI): {names}")
    return Outcome("clean", tuple(lines))


def run(ignore: list[str]) -> Outcome:
    """Export the lock, audit it, classify the result."""
    root = Path(__file__).resolve().parents[1]
    exported = subprocess.run(EXPORT, cwd=root, capture_output=True, text=True)
    if exported.returncode != 0:
        return Outcome("error", (f"ERROR: uv export failed: {exported.stderr.strip()}",))
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(exported.stdout, encoding="utf-8")
        out = Path(tmp) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            "--no-deps",  # the export is the complete, pinned set
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--format",
            "json",
            "--output",
            str(out),
            "--progress-spinner",
            "off",
            *(arg for vuln in ignore for arg in ("--ignore-vuln", vuln)),
        ]
        audited = subprocess.run(command, cwd=root, capture_output=True, text=True)
        report = out.read_text(encoding="utf-8") if out.exists() else None
        return classify(audited.returncode, report, audited.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--ignore-vuln",
        action="append",
        default=[],
        metavar="ID",
        help="An advisory judged not to apply (say why in the CI script).",
    )
    args = parser.parse_args(argv)
    outcome = run(args.ignore_vuln)
    for line in outcome.lines:
        print(f"dependency audit: {line}" if line and not line.startswith(" ") else line)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
