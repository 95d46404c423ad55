"""Known vulnerabilities in the pinned requirements and everything they pull in.

pip-audit resolves the pins and asks the package index about each exact version. Where the
index answers only for a project's newest release (some mirrors serve `/pypi/NAME/json` but
not `/pypi/NAME/VERSION/json`), pip-audit skips the package; this script then reads the
project's newest release and its advisories, which settle the question whenever the pin is
that release. A pin with a known vulnerability fails; a pin that could be checked neither
way is listed, never counted as clean.

Usage: python scripts/audit_pins.py requirements.txt
"""

import json
import re
import subprocess
import sys
import urllib.request

INDEX = "https://pypi.org/pypi/{name}/json"
SKIPPED = re.compile(r"could not be audited: (?P<name>[^ ]+) \((?P<version>[^)]+)\)")


def pip_audit(requirements: str) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            requirements,
            "-f",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if not result.stdout.strip():
        sys.exit(f"pip-audit gave no report:\n{result.stderr}")
    return json.loads(result.stdout)


def newest_release(name: str) -> tuple[str, list[dict]]:
    with urllib.request.urlopen(INDEX.format(name=name), timeout=30) as response:  # noqa: S310 - fixed https address
        project = json.load(response)
    return project["info"]["version"], project.get("vulnerabilities") or []


def main(requirements: str) -> int:
    report = pip_audit(requirements)
    vulnerable, unchecked, checked = [], [], 0
    for dependency in report["dependencies"]:
        if "skip_reason" not in dependency:
            checked += 1
            vulnerable += [
                (dependency["name"], dependency["version"], v["id"]) for v in dependency["vulns"]
            ]
            continue
        match = SKIPPED.search(dependency["skip_reason"])
        if not match:
            unchecked.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        name, version = match["name"], match["version"]
        newest, advisories = newest_release(name)
        if newest != version:
            unchecked.append(f"{name} {version}: the index reports only {newest}")
            continue
        checked += 1
        vulnerable += [(name, version, a.get("id", "?")) for a in advisories]
    print(f"{checked} packages checked, {len(vulnerable)} known vulnerabilities.")
    for name, version, advisory in vulnerable:
        print(f"  VULNERABLE {name} {version}: {advisory}")
    for line in unchecked:
        print(f"  not checked: {line}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt"))
