"""`make dist`: the archive (tar.gz and zip) and the pip wheel, from the built kernel.

    python dist/make_dist.py --out target/dist

Writes target/dist/precis-<version>.tar.gz, precis-<version>.zip (one folder precis-<version>/ with bin/, lib/,
notebooks/, models/data/, README.md) and precis_kernel-<pep440 version>-py3-none-any.whl (the jars inside).
Every file is written under a temporary name and renamed into place.
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "kernel" / "target" / "lib"
# What the archive holds besides the jars: the launcher, the tutorial notebooks and the data they read
# (01-quickstart and 03-algorithms load ../models/data/sentences.txt; 02 and 04 need `make models-data`/`lab-data`,
# which only a checkout has).
FILES = {
    "bin/precis": "bin/precis",
    "bin/find-jdk": "bin/find-jdk",
    "dist/README.md": "README.md",
    "notebooks/00-java-basics.ipynb": "notebooks/00-java-basics.ipynb",
    "notebooks/01-quickstart.ipynb": "notebooks/01-quickstart.ipynb",
    "notebooks/03-algorithms.ipynb": "notebooks/03-algorithms.ipynb",
    "models/data/sentences.txt": "models/data/sentences.txt",
}


def project_version():
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    return ET.parse(ROOT / "pom.xml").getroot().find("m:version", ns).text.strip()


def pep440(version):
    """Maven's 0.1.0-SNAPSHOT is PEP 440's 0.1.0.dev0; a release version stays as it is."""
    from packaging.version import Version

    return str(Version(version.replace("-SNAPSHOT", ".dev0")))


def lay_out(stage: Path, name: str) -> Path:
    top = stage / name
    for src, dst in FILES.items():
        target = top / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / src, target)
    (top / "lib").mkdir()
    for jar in sorted(LIB.glob("*.jar")):
        os.link(jar, top / "lib" / jar.name) if same_fs(jar, stage) else shutil.copy2(jar, top / "lib")
    return top


def same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def entries(top: Path):
    return sorted(p for p in top.rglob("*"))


def write_tar(top: Path, out: Path):
    def owned_by_root(info):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    tmp = out.with_name(out.name + ".tmp")
    # The jars are compressed already: the fastest gzip level costs little size.
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:
        tar.add(top, arcname=top.name, recursive=False, filter=owned_by_root)
        for p in entries(top):
            tar.add(p, arcname=str(p.relative_to(top.parent)), recursive=False, filter=owned_by_root)
    tmp.replace(out)


def write_zip(top: Path, out: Path):
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for p in entries(top):
            if p.is_dir():
                continue
            info = zipfile.ZipInfo.from_file(p, str(p.relative_to(top.parent)))
            info.external_attr = (stat.S_IFREG | (p.stat().st_mode & 0o777)) << 16  # keeps bin/precis executable
            info.compress_type = zipfile.ZIP_STORED if p.suffix == ".jar" else zipfile.ZIP_DEFLATED
            with open(p, "rb") as f:
                z.writestr(info, f.read())
    tmp.replace(out)


def build_wheel(stage: Path, version: str, out_dir: Path) -> Path:
    src = stage / "precis-kernel"
    shutil.copytree(ROOT / "python" / "precis-kernel", src, ignore=shutil.ignore_patterns("__pycache__", "lib", "*.egg-info"))
    pkg = src / "src" / "precis_kernel"
    init = pkg / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0+source"', f'__version__ = "{version}"'))
    shutil.copy2(ROOT / "bin" / "find-jdk", pkg / "find-jdk")
    (pkg / "lib").mkdir()
    for jar in sorted(LIB.glob("*.jar")):
        os.link(jar, pkg / "lib" / jar.name) if same_fs(jar, stage) else shutil.copy2(jar, pkg / "lib")
    wheels = stage / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
                   check=True)
    built = next(wheels.glob("precis_kernel-*.whl"))
    tmp = out_dir / (built.name + ".tmp")
    shutil.copy2(built, tmp)
    return tmp.replace(out_dir / built.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "dist")
    args = ap.parse_args()
    if not (LIB / "precis-kernel.jar").is_file():
        sys.exit(f"make_dist: {LIB}/precis-kernel.jar is missing; run 'make build' first")
    version = project_version()
    name = f"precis-{version}"
    args.out.mkdir(parents=True, exist_ok=True)
    for old in list(args.out.glob("precis-*.tar.gz")) + list(args.out.glob("precis-*.zip")) + list(args.out.glob("precis_kernel-*.whl")):
        old.unlink()
    # Staged beside the output (same file system: jars are hard-linked, not copied), outside any git work tree's
    # view of the package so the wheel's build backend sees only what is staged.
    with tempfile.TemporaryDirectory(prefix=".stage-", dir=args.out) as stage:
        stage = Path(stage)
        top = lay_out(stage, name)
        write_tar(top, args.out / f"{name}.tar.gz")
        write_zip(top, args.out / f"{name}.zip")
        wheel = build_wheel(stage, pep440(version), args.out)
    for f in sorted(args.out.iterdir()):
        if f.is_file():
            print(f"{f}  {f.stat().st_size / 2**20:.0f} MiB")
    return 0 if wheel.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
