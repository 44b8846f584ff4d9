"""Create a virtual environment, even where Debian's python3-venv (ensurepip) is missing.

Usage: python3 scripts/bootstrap_venv.py .venv
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path


def has_pip(target: Path) -> bool:
    """Tell whether the environment at `target` already has a working pip."""
    python = target / "bin" / "python"
    if not python.exists():
        return False
    return subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0


def install_pip_from_pypi(target: Path) -> None:
    """Fetch pip's wheel from PyPI and install it with itself (a wheel runs as a zip)."""
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as response:
            path.write_bytes(response.read())
        python = target / "bin" / "python"
        subprocess.run([python, f"{path}/pip", "install", "--quiet", str(path)], check=True)


def main(target: Path) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 — this script runs before any install
        sys.exit("Marelle demande Python 3.11 ou plus récent.")
    if has_pip(target):
        return
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
    except subprocess.CalledProcessError:
        # Debian without python3-venv: no ensurepip. Build without pip, then fetch it.
        venv.EnvBuilder(with_pip=False, clear=True).create(target)
    if not has_pip(target):
        install_pip_from_pypi(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".venv"))
