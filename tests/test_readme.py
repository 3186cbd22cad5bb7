"""Every command and code example the README shows runs as shown.

The khulasa commands of the README's ``bash`` blocks run in a scratch folder that holds ``examples/``
(so files they write stay out of the repository); its ``python`` blocks run with the repository as the
working folder; its ``toml`` blocks must load as a configuration. The set-up steps (``python3 -m venv``,
``pip install``) are what CI runs verbatim (``.ci/run``), so they are not repeated here.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, re.S)
_CLI = "from khulasa.cli import main; main()"


def _commands() -> list[str]:
    """Each ``khulasa`` invocation of the bash blocks (one per ``&&`` / ``|`` segment)."""
    out = []
    for lang, body in BLOCKS:
        if lang != "bash":
            continue
        for line in body.splitlines():
            for part in re.split(r"&&|\|", line):
                words = shlex.split(part.split(">")[0].strip())  # the command, not where its output goes
                if words and words[0].endswith("khulasa"):
                    out.append(shlex.join(words[1:]))
    return out


def test_the_readme_shows_commands_and_code() -> None:
    assert any(lang == "python" for lang, _ in BLOCKS)
    assert len(_commands()) >= 2


@pytest.mark.parametrize("command", _commands())
def test_readme_command_runs(command: str, tmp_path: Path) -> None:
    (tmp_path / "examples").symlink_to(EXAMPLES, target_is_directory=True)
    if "--config" in command:
        toml = next(body for lang, body in BLOCKS if lang == "toml")
        (tmp_path / "khulasa.toml").write_text(toml, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _CLI, *shlex.split(command)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"khulasa {command}\n{done.stderr}"


@pytest.mark.parametrize("code", [body for lang, body in BLOCKS if lang == "python"])
def test_readme_python_runs(code: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                            tmp_path: Path) -> None:
    """Run from a copy of the examples in a scratch folder (the examples write a store, news.db)."""
    import shutil

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out  # the examples print what they compute


@pytest.mark.parametrize("toml", [body for lang, body in BLOCKS if lang == "toml"])
def test_readme_configuration_loads(toml: str, tmp_path: Path) -> None:
    from khulasa.config import DEFAULT, load_config

    path = tmp_path / "khulasa.toml"
    path.write_text(toml, encoding="utf-8")
    assert load_config(path) != DEFAULT
