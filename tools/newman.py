"""Run the Postman collection with newman (``make postman``, ``tests/postman``).

``python -m tools.newman [--environment local|aws] [--base-url URL] [--json-report FILE]``

* newman comes from npm, pinned by ``package.json`` + ``package-lock.json``; the first run
  installs it into ``node_modules/`` with ``npm ci`` (and again whenever the lock file is
  newer than the installed tree).
* ``baseUrl`` is ``--base-url``, else ``$MOMENTS_API_URL`` (set by
  ``python -m local_stack run -- ...``), else the environment file's own value.
* File uploads in the collection name files relative to the repository root
  (``postman/fixtures/...``), so newman runs with ``--working-dir`` set to it.

Exit status is newman's: 0 when every request ran and every assertion passed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTION = REPO_ROOT / "postman" / "moments.postman_collection.json"
ENVIRONMENTS = {
    "local": REPO_ROOT / "postman" / "local.postman_environment.json",
    "aws": REPO_ROOT / "postman" / "aws.postman_environment.json",
}
NEWMAN = REPO_ROOT / "node_modules" / ".bin" / "newman"
# npm ci writes this hidden lock file last; it marks a complete install.
INSTALLED_MARKER = REPO_ROOT / "node_modules" / ".package-lock.json"
LOCK_FILE = REPO_ROOT / "package-lock.json"
# A local Lambda worker's first request includes its cold start; API Gateway's own
# integration timeout is 29 s, so 30 s never cuts a request the API would answer.
REQUEST_TIMEOUT_MS = 30_000


class NewmanUnavailable(RuntimeError):
    """Node.js/npm is missing or ``npm ci`` failed; the message says which."""


def ensure_newman() -> Path:
    """Install the pinned newman with ``npm ci`` unless it is installed and current.

    Returns:
        The path of the ``newman`` executable.

    Raises:
        NewmanUnavailable: ``npm`` is not on PATH, or ``npm ci`` exited non-zero.
    """

    def current() -> bool:
        return (
            NEWMAN.exists()
            and INSTALLED_MARKER.exists()
            and INSTALLED_MARKER.stat().st_mtime >= LOCK_FILE.stat().st_mtime
        )

    if current():
        return NEWMAN
    npm = shutil.which("npm")
    if npm is None:
        raise NewmanUnavailable("npm not found: install Node.js 18+ (https://nodejs.org)")
    # One install at a time: parallel test workers (pytest-xdist) may all arrive here on a
    # fresh clone, and two `npm ci` in one directory delete each other's node_modules.
    with open(REPO_ROOT / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if current():  # another process installed it while this one waited
            return NEWMAN
        print("==> installing newman from package-lock.json (npm ci, first run only)", flush=True)
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=REPO_ROOT, check=False
        )
    if result.returncode != 0 or not NEWMAN.exists():
        raise NewmanUnavailable(f"npm ci failed (exit {result.returncode})")
    return NEWMAN


def newman_command(
    newman: Path,
    environment: Path,
    base_url: str | None,
    json_report: Path | None = None,
) -> list[str]:
    """The ``newman run`` argv for the collection against one environment."""
    command = [
        str(newman),
        "run",
        str(COLLECTION),
        "--environment",
        str(environment),
        "--working-dir",
        str(REPO_ROOT),
        "--timeout-request",
        str(REQUEST_TIMEOUT_MS),
        "--reporters",
        "cli,json" if json_report else "cli",
    ]
    if base_url:
        command += ["--env-var", f"baseUrl={base_url.rstrip('/')}"]
    if json_report:
        command += ["--reporter-json-export", str(json_report)]
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns newman's exit status (2 when newman is unavailable)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.newman", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--environment", choices=sorted(ENVIRONMENTS), default="local")
    parser.add_argument(
        "--base-url",
        default=os.environ.get("MOMENTS_API_URL"),
        help="the API's base URL (default: $MOMENTS_API_URL)",
    )
    parser.add_argument("--json-report", type=Path, help="also write newman's JSON report here")
    args = parser.parse_args(argv)
    try:
        newman = ensure_newman()
    except NewmanUnavailable as exc:
        print(f"newman: {exc}", file=sys.stderr)
        return 2
    command = newman_command(
        newman, ENVIRONMENTS[args.environment], args.base_url, args.json_report
    )
    return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
