"""checkov over template.yaml as each samconfig.toml environment deploys it (``make lint``).

Usage::

    python -m tools.checkov_scan [--checkov .venv-checkov/bin/checkov] [--template template.yaml]

checkov evaluates a template's ``Conditions`` with the parameters' defaults, so a resource
that only prod creates (``AccessLogBucket``, ``DataKey``: ``Condition: UseAccessLogs``, ...)
is never scanned from template.yaml alone. So, for every environment of samconfig.toml, this
writes a copy of the template whose parameter defaults are that environment's
``parameter_overrides`` (as JSON, which checkov reads like YAML, ``Metadata`` skips included),
and runs checkov once over the template and those copies. An environment is left out when
every parameter that ``Conditions`` read keeps the value of the template (or of an environment
already written): it creates the same resources, and checkov checks the presence and
literal values of properties, not what a parameter fills in (checkov runs ~2 s of CPU per
template after ~2.5 s of start-up). Settings come from ``.checkov.yaml``; the exceptions live on their
resources in the template (docs/deploy.md, "checkov").

The template is parsed with samtranslator's YAML reader (short-form intrinsics such as
``!If`` become ``{"Fn::If": ...}``) and samconfig.toml with the SAM CLI's own code, as
``sam deploy`` reads them.

Exit status: checkov's (0: no failed check; 1: a check failed), 2 when checkov is missing.
checkov has its own virtualenv (.venv-checkov, requirements-checkov.txt): its exact pins
(boto3 1.35, networkx < 2.7, packaging < 24) conflict with aws-sam-cli's and moto's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samcli.cli.types import CfnParameterOverridesType
from samcli.lib.config.samconfig import SamConfig
from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = REPO_ROOT / "template.yaml"
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
CONFIG = REPO_ROOT / ".checkov.yaml"


def environments(root: Path = REPO_ROOT) -> dict[str, dict[str, str]]:
    """samconfig.toml's environment name -> its ``sam deploy`` parameter overrides.

    An environment without ``parameter_overrides`` maps to ``{}`` (the template's defaults).
    """
    config = SamConfig(str(root))
    found: dict[str, dict[str, str]] = {}
    for env in config.get_stage_configuration_names():
        deploy = config.get_all(["deploy"], "parameters", env)
        overrides = deploy.get("parameter_overrides")
        found[env] = CfnParameterOverridesType().convert(overrides, None, None) if overrides else {}
    return found


def with_defaults(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """A copy of ``template`` whose parameters default to ``overrides``.

    Raises:
        KeyError: an override names no parameter of the template.
    """
    copy = json.loads(json.dumps(template, default=str))
    parameters = copy["Parameters"]
    for name, value in overrides.items():
        parameters[name]["Default"] = value
    return copy


def _refs(value: Any) -> set[str]:
    """Every name that ``{"Ref": name}`` refers to inside ``value``."""
    if isinstance(value, dict):
        found = {value["Ref"]} if isinstance(value.get("Ref"), str) else set()
        return found.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()


def render(template_path: Path, out_dir: Path) -> list[Path]:
    """Write one JSON template per samconfig.toml environment whose conditions differ from
    the template's and the environments' already written; return their paths."""
    template = yaml_parse(template_path.read_text())
    parameters = template.get("Parameters") or {}
    switches = sorted(_refs(template.get("Conditions") or {}) & parameters.keys())

    def outcome(overrides: dict[str, str]) -> list[str]:
        return [str(overrides.get(name, parameters[name].get("Default"))) for name in switches]

    written: list[Path] = []
    seen = [outcome({})]  # template.yaml itself is scanned as it is
    for env, overrides in environments().items():
        if outcome(overrides) in seen:
            continue
        seen.append(outcome(overrides))
        path = out_dir / f"template.samconfig-{env}.json"
        path.write_text(json.dumps(with_defaults(template, overrides), indent=1, default=str))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", type=Path, default=CHECKOV, help="checkov executable")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="SAM template")
    args = parser.parse_args(argv)
    if not args.checkov.exists():
        print(f"checkov_scan: no {args.checkov}; `make lint` installs it", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="checkov-") as tmp:
        files = [args.template, *render(args.template, Path(tmp))]
        command = [str(args.checkov), "--config-file", str(CONFIG)]
        for path in files:
            command += ["--file", str(path)]
        return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
