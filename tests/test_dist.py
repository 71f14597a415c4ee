"""The distributions `make dist` builds, installed as a new user would: unpacked or pip-installed outside the
source tree, with no Maven, no JAVA_HOME and an empty home, and exercised through Jupyter."""
import json
import os
import stat
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "target" / "dist"
pytestmark = pytest.mark.dist

# Runs cells on a kernel with nbclient, in whichever Python runs it; prints the outputs as JSON.
RUN_CELLS = textwrap.dedent("""
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in sys.argv[2:]]
    NotebookClient(nb, kernel_name=sys.argv[1], timeout=300, startup_timeout=180).execute()
    print(json.dumps([c.outputs for c in nb.cells]))
""")


def one(pattern):
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {DIST} (run 'make dist'), found {[f.name for f in found]}"
    return found[0]


def clean_env(home, path, **extra):
    """A new user's environment: nothing of the project's venv, no JAVA_HOME, no Maven, an empty home. Java
    takes its user.home from the password database, not $HOME, so the user's Jupyter folder is named too."""
    env = {"HOME": str(home), "PATH": path, "LANG": "C.UTF-8", "PRECIS_CACHE": "off",
           "JUPYTER_DATA_DIR": str(Path(home) / ".local" / "share" / "jupyter"),
           "PRECIS_HISTORY_DIR": str(Path(home) / ".local" / "share" / "precis")}
    env.update(extra)
    return env


def run(cmd, env, timeout=600, check=True):
    r = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert r.returncode == 0, f"{cmd} exited {r.returncode}\nstdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-3000:]}"
    return r


def kernelspecs(jupyter, env):
    return json.loads(run([jupyter, "kernelspec", "list", "--json"], env).stdout)["kernelspecs"]


def results(outputs):
    return [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    archive = one("precis-*.tar.gz")
    where = tmp_path_factory.mktemp("opt")
    with tarfile.open(archive) as tar:
        tar.extractall(where, filter="tar")
    top = where / archive.name.removesuffix(".tar.gz")
    assert top.is_dir(), f"{archive.name} must hold one folder named like itself"
    return top


def test_archive_holds_the_launcher_jars_and_notebooks_and_the_zip_holds_the_same(unpacked):
    files = {str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file()}
    for f in ("bin/precis", "bin/find-jdk", "README.md", "lib/precis-kernel.jar", "notebooks/01-quickstart.ipynb",
              "models/data/sentences.txt"):
        assert f in files
    assert files == {"bin/precis", "bin/find-jdk", "README.md", "notebooks/00-java-basics.ipynb",
                     "notebooks/01-quickstart.ipynb", "notebooks/03-algorithms.ipynb", "models/data/sentences.txt"} | {
        f"lib/{j.name}" for j in (ROOT / "kernel" / "target" / "lib").glob("*.jar")}
    assert os.access(unpacked / "bin" / "precis", os.X_OK)
    with zipfile.ZipFile(one("precis-*.zip")) as z:
        names = {n.removeprefix(unpacked.name + "/") for n in z.namelist() if not n.endswith("/")}
        assert names == files
        assert stat.S_IMODE(z.getinfo(f"{unpacked.name}/bin/precis").external_attr >> 16) & 0o111, "bin/precis must stay executable"


def test_archive_installs_for_the_user_and_runs_a_cell_through_jupyter(unpacked, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, "/usr/bin:/bin")
    # The default: kernelspec into the user's Jupyter folder, with the start-up cache recorded.
    out = run([unpacked / "bin" / "precis", "install", "--user", "--name", "precis-archive"], env)
    spec_dir = home / ".local" / "share" / "jupyter" / "kernels" / "precis-archive"
    assert f"Installed kernelspec precis-archive in {spec_dir}" in out.stdout
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"][spec["argv"].index("-cp") + 1] == f"{unpacked}/lib/*", "the kernel must run from the archive's jars"
    assert Path(spec["argv"][0]).is_absolute() and int(spec["metadata"]["language_info"]["version"]) >= 21

    venv_bin = Path(sys.executable).parent
    jupyter_env = clean_env(home, f"{venv_bin}:/usr/bin:/bin")
    specs = kernelspecs(venv_bin / "jupyter", jupyter_env)
    assert specs["precis-archive"]["resource_dir"] == str(spec_dir)
    outputs = json.loads(run([sys.executable, "-c", RUN_CELLS, "precis-archive", "1+1",
                              'System.getProperty("java.class.path")'], jupyter_env).stdout)
    assert results(outputs[0]) == ["2"]
    assert str(ROOT) not in results(outputs[1])[0], "cells must not see the source tree's classes"


SCRIPT = """%java parameters
int levels = 4;
%end
%java
System.out.println("levels " + (1 << levels));
%end
load model "{mlp}" as mlp
"""


def run_script(launcher, tmp_path, env):
    """`run` with a .precis script, a parameter and a failing gate: the headless runner of the installed kernel."""
    script = tmp_path / "a.precis"
    script.write_text(SCRIPT.format(mlp=ROOT / "models" / "trained" / "fashion-mlp-0000.params"))
    r = run([launcher, "run", script, "-p", "levels=5", "--out", tmp_path / "a.out", "--fail-if", "mlp.params > 1000"], env, check=False)
    assert r.returncode == 3, f"exit {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}"
    assert "levels 32" in r.stdout and "gate failed" in r.stderr
    results = json.loads((tmp_path / "a.out" / "results.json").read_text())["results"]
    assert list(results) == ["mlp"]


def test_archive_runs_a_script_headless(unpacked, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    run_script(unpacked / "bin" / "precis", tmp_path, clean_env(home, "/usr/bin:/bin"))


def test_archive_installs_into_a_prefix(unpacked, tmp_path):
    env = clean_env(tmp_path, "/usr/bin:/bin")
    prefix = tmp_path / "prefix"
    out = run([unpacked / "bin" / "precis", "install", "--prefix", prefix, "--no-warm-start", "--quiet"], env)
    assert out.stdout.strip() == str(prefix / "share" / "jupyter" / "kernels" / "precis")
    venv_bin = Path(sys.executable).parent
    specs = kernelspecs(venv_bin / "jupyter", clean_env(tmp_path, f"{venv_bin}:/usr/bin:/bin",
                                                        JUPYTER_PATH=str(prefix / "share" / "jupyter")))
    assert specs["precis"]["resource_dir"] == str(prefix / "share" / "jupyter" / "kernels" / "precis")


def test_archive_launcher_explains_a_missing_jdk(unpacked, tmp_path):
    jdk17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    env = clean_env(tmp_path, "/usr/bin:/bin", PRECIS_JVM_DIRS=str(tmp_path / "no-jdks"),
                    **({"JAVA_HOME": str(jdk17)} if jdk17.is_dir() else {}))
    r = run([unpacked / "bin" / "precis", "--version"], env, check=False)
    assert r.returncode == 1 and "no JDK 21 or newer found" in r.stderr and "Traceback" not in r.stderr


def test_wheel_in_a_fresh_venv_installs_the_kernelspec_and_runs_a_notebook(tmp_path):
    wheel = one("precis_kernel-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "precis_kernel/lib/precis-kernel.jar" in names and "precis_kernel/find-jdk" in names
        entry_points = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
        assert "precis-kernel = precis_kernel.launcher:main" in entry_points
        assert "[papermill.engine]" in entry_points
    venv = tmp_path / "venv"
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, f"{venv / 'bin'}:/usr/bin:/bin")
    # The Python that made the project's venv (`make venv`), not the venv itself.
    run([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", venv], env)
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.startswith(("jupyter-client==", "nbclient==", "nbformat=="))]
    # pip's own settings (index, certificates) pass through; the rest of the environment does not.
    run([venv / "bin" / "pip", "install", "-q", wheel, *pins], {**env, **{k: v for k, v in os.environ.items() if k.startswith("PIP_")}})
    out = run([venv / "bin" / "precis-kernel", "install", "--sys-prefix", "--no-warm-start"], env)
    spec_dir = venv / "share" / "jupyter" / "kernels" / "precis"
    assert f"Installed kernelspec precis in {spec_dir}" in out.stdout
    site = next((venv / "lib").glob("python3*/site-packages"))
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"][spec["argv"].index("-cp") + 1] == f"{site}/precis_kernel/lib/*"

    specs = kernelspecs(venv / "bin" / "jupyter", env)
    assert specs["precis"]["resource_dir"] == str(spec_dir)
    outputs = json.loads(run([venv / "bin" / "python", "-c", RUN_CELLS, "precis", "1+1",
                              "int levels = 1 << 4;\nlevels * 2"], env).stdout)
    assert results(outputs[0]) == ["2"] and results(outputs[1]) == ["32"]
    # The wheel's launcher runs a script without Jupyter too.
    run_script(venv / "bin" / "precis-kernel", tmp_path, env)
