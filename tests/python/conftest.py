"""Shared fixtures of the Python package's tests (issue 19).

CTest runs them with PYTHONPATH=<build>/python (the build tree's package) and NOETHER_CLI set to
the command line program, which the tests run beside the module to compare the two.
"""
import os
import subprocess

import pytest


def cli_path():
    path = os.environ.get("NOETHER_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("NOETHER_CLI is not set to the noether program (CTest sets it)")
    return path


@pytest.fixture(scope="session")
def cli():
    return cli_path()


def run_cli(*args, check=True):
    """Runs the noether program; returns the CompletedProcess (text)."""
    r = subprocess.run([cli_path(), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"noether {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}")
    return r


@pytest.fixture(scope="session")
def hnn_model(tmp_path_factory):
    """A small HNN trained on the spring by the command line (a few seconds)."""
    path = tmp_path_factory.mktemp("models") / "spring-hnn.pt"
    run_cli("train", "--system", "spring", "--model", "hnn", "--steps", "40", "--hidden", "32",
            "--threads", "1", "-q", "--out", path)
    return str(path)


@pytest.fixture(scope="session")
def graph_model(tmp_path_factory):
    """A small HOGN trained on springs by the command line (a few seconds)."""
    path = tmp_path_factory.mktemp("models") / "springs-hogn.pt"
    run_cli("train-graph", "--system", "springs", "--model", "hogn", "--steps", "20", "--hidden", "16",
            "--systems", "10", "--samples", "10", "--threads", "1", "-q", "--out", path)
    return str(path)


@pytest.fixture(scope="session")
def residual_model(tmp_path_factory):
    """A small learned interaction residual (outer solar system with the GR potential; seconds)."""
    folder = tmp_path_factory.mktemp("residual")
    run_cli("residual-data", "--system", "outer-solar-system", "--dt", "10", "--every", "2", "--samples", "100",
            "-o", folder / "traj.pt")
    run_cli("train-residual", "--data", folder / "traj.pt", "--steps", "20", "--hidden", "8", "--threads", "1",
            "-q", "-o", folder / "residual.pt")
    return str(folder / "residual.pt")
