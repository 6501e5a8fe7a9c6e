"""Fixtures that run the real ``tutor`` CLI on a throw-away TUTOR_ROOT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
RUN_TUTOR = HERE / "run_tutor.py"

FAKE_TOOL = textwrap.dedent(
    """\
    #!{python}
    # Stand-in for `{name}`: records its arguments, succeeds, prints nothing
    # except an empty project list for `docker compose ls --format json`.
    import json, os, sys
    with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({{"tool": "{name}", "args": sys.argv[1:]}}) + "\\n")
    if "compose" in sys.argv and "ls" in sys.argv:
        print("[]")
    # A container run (`docker compose ... run ...`) prints $FAKE_RUN_OUTPUT and
    # exits with $FAKE_RUN_EXIT, as the command run in the container would.
    if "compose" in sys.argv and "run" in sys.argv:
        print(os.environ.get("FAKE_RUN_OUTPUT", ""), end="", flush=True)
        sys.exit(int(os.environ.get("FAKE_RUN_EXIT", "0")))
    """
)


@dataclass
class TutorRun:
    """The outcome of one ``tutor`` invocation."""

    args: tuple[str, ...]
    returncode: int
    output: str
    errors: str
    calls: list[dict] = field(default_factory=list)

    def check(self) -> TutorRun:
        assert self.returncode == 0, (
            f"tutor {' '.join(self.args)} failed:\n{self.output}\n{self.errors}"
        )
        return self

    def lms_job_commands(self) -> list[str]:
        """The shell commands this run executed in Tutor's lms-job container (``do`` tasks)."""
        return [
            call["args"][-1]
            for call in self.calls
            if call.get("tool") == "docker" and "run" in call["args"] and "lms-job" in call["args"]
        ]


class Tutor:
    """A Tutor project root plus helpers to run ``tutor`` on it and read env/."""

    def __init__(self, root: Path, bin_dir: Path, log: Path):
        self.root = root
        self.bin_dir = bin_dir
        self.log = log

    def run(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> TutorRun:
        """Run ``tutor ARGS`` in a fresh process; stdin is ``input`` (no tty).

        ``env`` adds environment variables, e.g. FAKE_RUN_EXIT for the fake docker.
        """
        extra_env = env or {}
        self.log.write_text("")
        env = dict(os.environ)
        env.update(
            {
                "TUTOR_ROOT": str(self.root),
                "FAKE_LOG": str(self.log),
                "PATH": f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}",
                "NO_COLOR": "1",
            }
        )
        # An operator's own TUTOR_* variables would leak into the config.
        for key in list(env):
            if key.startswith("TUTOR_") and key != "TUTOR_ROOT":
                del env[key]
        env.update(extra_env)
        proc = subprocess.run(
            [sys.executable, str(RUN_TUTOR), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        calls = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return TutorRun(args, proc.returncode, proc.stdout, proc.stderr, calls)

    def save(self, *settings: str) -> TutorRun:
        """``tutor config save --set KEY=VALUE ...``"""
        args = ["config", "save"]
        for setting in settings:
            args += ["--set", setting]
        return self.run(*args).check()

    def printvalue(self, key: str) -> str:
        return self.run("config", "printvalue", key).check().output.strip()

    @property
    def user_config(self) -> dict:
        path = self.root / "config.yml"
        return yaml.safe_load(path.read_text()) if path.exists() else {}

    def env_text(self, *path: str) -> str:
        return self.root.joinpath("env", *path).read_text()

    def env_yaml_documents(self, *path: str) -> list:
        return [doc for doc in yaml.safe_load_all(self.env_text(*path)) if doc]


@pytest.fixture
def tutor(tmp_path: Path) -> Tutor:
    """A fresh Tutor root with the survey_report plugin enabled."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("docker", "kubectl"):
        tool = bin_dir / name
        tool.write_text(FAKE_TOOL.format(python=sys.executable, name=name))
        tool.chmod(0o755)
    project = Tutor(tmp_path / "tutor-root", bin_dir, tmp_path / "calls.jsonl")
    project.run("plugins", "enable", "survey_report").check()
    return project
