"""tools/build_function.py: what goes into one function's package (no pip, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.build_function import (
    RUNTIME_PROVIDED,
    BuildError,
    function_build,
    remove_distributions,
)

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, Architectures: [arm64], CodeUri: src/}
Resources:
  ListFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile}
    Properties: {Handler: photos.handlers.list_photos.lambda_handler}
  ProcessFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
      BuildProperties: {ExtraRequirements: src/photos/requirements-process.txt}
    Properties:
      Handler: photos.handlers.process.lambda_handler
      Architectures: [x86_64]
  Table:
    Type: AWS::DynamoDB::Table
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "photos").mkdir(parents=True)
    (tmp_path / "src" / "photos" / "requirements.txt").write_text("pydantic==2.13.5\n")
    (tmp_path / "src" / "photos" / "requirements-process.txt").write_text("Pillow==12.0.0\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def test_a_function_gets_its_service_requirements_runtime_and_architecture(project: Path) -> None:
    # Given a function of the photos service with the Globals' runtime and architecture
    # When its build is read from the template
    build = function_build(project / "template.yaml", "ListFunction")
    # Then it ships the photos service with that service's requirements, for arm64 3.13
    assert build.service == "photos"
    assert build.requirements == (project / "src" / "photos" / "requirements.txt",)
    assert (build.runtime, build.python_version, build.architecture) == (
        "python3.13",
        "3.13",
        "arm64",
    )


def test_extra_requirements_belong_to_that_function_only(project: Path) -> None:
    # Given a function naming its own extra requirements (e.g. Pillow)
    build = function_build(project / "template.yaml", "ProcessFunction")
    # Then it gets them on top of its service's, with its own architecture
    assert build.requirements == (
        project / "src" / "photos" / "requirements.txt",
        project / "src" / "photos" / "requirements-process.txt",
    )
    assert build.architecture == "x86_64"
    # ... and the other functions of the service do not
    assert len(function_build(project / "template.yaml", "ListFunction").requirements) == 1


def test_unknown_functions_and_missing_requirements_are_refused(project: Path) -> None:
    with pytest.raises(BuildError, match="not an AWS::Serverless::Function"):
        function_build(project / "template.yaml", "Table")
    (project / "src" / "photos" / "requirements-process.txt").unlink()
    with pytest.raises(BuildError, match="requirements-process.txt does not exist"):
        function_build(project / "template.yaml", "ProcessFunction")


def _install_fake(target: Path, dist: str, version: str, files: dict[str, str]) -> None:
    info = target / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True)
    record = [f"{path},," for path in files] + [f"{info.name}/RECORD,,"]
    for path, text in files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text)
    (info / "RECORD").write_text("\n".join(record) + "\n")


def test_the_runtime_sdk_is_removed_and_everything_else_kept(tmp_path: Path) -> None:
    # Given a target where pip installed botocore (pulled in by aws-xray-sdk) and python-dateutil
    _install_fake(
        tmp_path, "botocore", "1.43.127", {"botocore/__init__.py": "", "botocore/data/x.json": "{}"}
    )
    _install_fake(tmp_path, "python_dateutil", "2.9.0", {"dateutil/__init__.py": ""})
    _install_fake(tmp_path, "aws_xray_sdk", "2.15.0", {"aws_xray_sdk/__init__.py": ""})
    # When the runtime-provided distributions are removed
    removed = remove_distributions(tmp_path, RUNTIME_PROVIDED)
    # Then they are gone, files and folders, and the rest stays
    assert sorted(removed) == ["botocore", "python-dateutil"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "aws_xray_sdk",
        "aws_xray_sdk-2.15.0.dist-info",
    ]


def test_the_repository_template_builds_every_function_from_its_own_service() -> None:
    # Given template.yaml: every function is built by src/Makefile from its own service
    import yaml  # noqa: F401 (the template reader needs PyYAML)

    from local_stack.template import Template

    template = Template.load(ROOT / "template.yaml")
    for logical_id, spec in template.functions().items():
        metadata = template.raw["Resources"][logical_id].get("Metadata") or {}
        assert metadata.get("BuildMethod") == "makefile", logical_id
        build = function_build(ROOT / "template.yaml", logical_id)
        assert build.service == spec.handler.split(".")[0]
        assert build.runtime == "python3.13"
