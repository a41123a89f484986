"""Audit pinned dependencies with pip-audit; fail on a known vulnerability that has a fix.

    python .ci/audit.py REQUIREMENTS.txt

`make audit` pins what the project's environment has installed (`pip freeze`) and runs this
with pip-audit from its own environment. pip-audit asks the PyPI vulnerability service about
each pinned version. Exit status 1 when a package has a known vulnerability with a fixed
version; a vulnerability without a fix is printed as a warning. When the service gives no
answer (no network, or it answers for no package), the audit says so loudly as a warning and
exits 0: it fails only on an answer it got.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def main(requirements: str) -> int:
    command = [
        sys.executable, "-m", "pip_audit", "--requirement", requirements, "--no-deps", "--disable-pip",
        "--format", "json", "--progress-spinner", "off", "--timeout", "30",
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"warning: pip-audit could not ask the vulnerability service; nothing was audited: {last}")
        return 0
    return judge(report)


def judge(report: dict[str, Any]) -> int:
    """The exit status for pip-audit's JSON report, after printing what it found."""
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    skipped = [p for p in packages if "skip_reason" in p]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no packages"
        print(f"warning: the vulnerability service answered for none of {len(packages)} packages; "
              f"nothing was audited (for example: {reason})")
        return 0
    fixable = []
    for package in audited:
        for vuln in package.get("vulns", []):
            fixes = vuln.get("fix_versions") or []
            line = f"{package['name']} {package['version']}: {vuln['id']}"
            if fixes:
                fixable.append(f"{line} (fixed in {', '.join(fixes)})")
            else:
                print(f"warning: {line} has no fixed version yet")
    for package in skipped:
        print(f"note: not audited: {package['skip_reason']}")
    for line in fixable:
        print(f"error: {line}")
    print(f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped, "
          f"{len(fixable)} known vulnerabilities with a fix")
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
