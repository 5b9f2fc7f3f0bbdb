"""Build hook: the wheel carries the bundled example.

The example GitOps repository lives at the project root (it is what the project's own
workflows and tests govern). Package data cannot reach outside the package folder, so the
build copies the example's parts into `modelops_gitops/example/` of the built package; `demo`
reads it from there in any install, and from the checkout in an editable one. Everything else
about the build is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
EXAMPLE_PARTS = ("modelops.yaml", "models", "policies", "data", "artifacts", "schemas")


class BuildPyWithExample(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the checkout, where the example already is
        target = Path(self.build_lib) / "modelops_gitops" / "example"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for part in EXAMPLE_PARTS:
            source = HERE / part
            if source.is_dir():
                shutil.copytree(source, target / part)
            else:
                shutil.copy2(source, target / part)


setup(cmdclass={"build_py": BuildPyWithExample})
