"""Start-up of the command line: each command run as a user runs it, in turns, with a peer beside it.

    python benchmarks/startup.py [--runs 15] [--file examples/alofoq/satellite-launch.txt]
                                 [--against CHECKOUT [--against-site DIR]]

Rows: ``python -c pass`` (the interpreter alone), ``khulasa --version``, ``khulasa --help``,
``khulasa summarize`` of one text file and of one HTML page (examples/). (The peer's command line,
``sumy lex-rank --file F``, cannot run offline: its tokenizer downloads NLTK's punkt on first use.) Every command runs once
first so Python's bytecode caches exist, as after ``pip install`` (this machine sets
``PYTHONDONTWRITEBYTECODE``; it is unset for the children), then ``--runs`` times in turns (A B C A B C
...), so a noisy machine slows each about equally. Reported: median and best wall seconds, and the
median CPU seconds of the child (user + system, ``os.wait4``).

``--against`` adds the same khulasa rows for another checkout (``git worktree add /tmp/base <commit>``),
run as ``python -m khulasa.cli`` with the checkout first on ``PYTHONPATH``, after ``--against-site`` (a
``pip install --target DIR`` of the packages that checkout pinned differently, e.g. its typer).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _khulasa_rows(khulasa: list[str], text_file: Path, html_file: Path, label: str = "") -> dict[str, list[str]]:
    return {
        f"khulasa --version{label}": [*khulasa, "--version"],
        f"khulasa --help{label}": [*khulasa, "--help"],
        f"khulasa summarize {text_file.name}{label}": [*khulasa, "summarize", str(text_file)],
        f"khulasa summarize {html_file.name}{label}": [*khulasa, "summarize", str(html_file)],
    }


def _commands(text_file: Path, html_file: Path) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    khulasa = str(bin_dir / "khulasa") if (bin_dir / "khulasa").exists() else shutil.which("khulasa") or "khulasa"
    return {"python -c pass": [sys.executable, "-c", "pass"], **_khulasa_rows([khulasa], text_file, html_file)}


def _run(cmd: list[str], env: Mapping[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (its output discarded; a failure stops the benchmark)."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: a chatty child never blocks on a full pipe
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=dict(env), cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: Popen must not wait again
        if code:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.read().decode(errors='replace').strip()[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, default=HERE / "examples" / "alofoq" / "satellite-launch.txt")
    parser.add_argument("--html", type=Path, default=HERE / "examples" / "alofoq" / "floods-wire.html")
    parser.add_argument("--against", type=Path, help="another khulasa checkout, run beside this one")
    parser.add_argument("--against-site", type=Path, help="packages that checkout needs first on PYTHONPATH")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    commands = {name: (cmd, env, None) for name, cmd in _commands(args.file, args.html).items()}
    if args.against:
        other = dict(env, PYTHONPATH=os.pathsep.join(str(p) for p in (args.against, args.against_site) if p))
        label = f" ({args.against.name})"
        for name, cmd in _khulasa_rows([sys.executable, "-m", "khulasa.cli"], args.file, args.html, label).items():
            commands[name] = (cmd, other, args.against)  # ``-m`` puts the working folder first on sys.path
    for cmd, cmd_env, cwd in commands.values():
        _run(cmd, cmd_env, cwd)  # bytecode and khulasa's stopword cache written; not timed
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (cmd, cmd_env, cwd) in commands.items():
            times[name].append(_run(cmd, cmd_env, cwd))
    print(f"| command ({args.runs} runs in turns) | median wall s | best wall s | median CPU s |")
    print("|---|---|---|---|")
    for name, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"| `{name}` | {statistics.median(walls):.3f} | {min(walls):.3f} | {statistics.median(cpus):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
