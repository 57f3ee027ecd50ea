"""Which device Whisper runs on: the GPU when one is present and CTranslate2 can use it, else the CPU.

CTranslate2's CUDA build (4.x) opens cuBLAS 12 by name at the first matrix product. pip installs that
library inside the ``nvidia-cublas-cu12`` package (it comes with the CUDA build of torch), a folder the
dynamic loader does not search; unless something loaded it first, a GPU machine would pick "cuda" and
then fail on the first call. So the libraries are loaded here, before the choice is made, and a
machine whose GPU cannot be used transcribes on the CPU with a warning instead of failing every call.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path

from qc.errors import ModelUnavailable

log = logging.getLogger(__name__)

# libcublas.so.12 needs libcublasLt.so.12, which is loaded first so that the second finds it.
CUBLAS_LIBRARIES = ("libcublasLt.so.12", "libcublas.so.12")
CUBLAS_PACKAGE = "nvidia.cublas"


@dataclass(frozen=True)
class DeviceChoice:
    device: str  # "cpu" or "cuda"
    reason: str


def choose_device(requested: str, cuda_devices: int, missing_libraries: tuple[str, ...]) -> DeviceChoice:
    """The device for ``asr.device`` = ``requested``, given what this machine offers.

    "auto" falls back to the CPU; an explicit "cuda" that cannot work is a configuration error."""
    if requested == "cpu":
        return DeviceChoice("cpu", "asr.device is cpu")
    problem = ""
    if cuda_devices == 0:
        problem = "CTranslate2 sees no CUDA device"
    elif missing_libraries:
        problem = (
            f"a CUDA device is present but {', '.join(missing_libraries)} cannot be loaded "
            "(install nvidia-cublas-cu12, or put CUDA 12's cuBLAS on the library path)"
        )
    if requested == "cuda":
        if problem:
            raise ModelUnavailable(f"asr.device is cuda, but {problem}")
        return DeviceChoice("cuda", "asr.device is cuda")
    if problem:
        return DeviceChoice("cpu", problem)
    return DeviceChoice("cuda", f"{cuda_devices} CUDA device(s) and cuBLAS 12 found")


def cuda_device_count() -> int:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # noqa: BLE001 - a CPU-only build or no driver at all both mean no GPU
        return 0


def _package_library_folder(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def load_cuda_libraries(names: tuple[str, ...] = CUBLAS_LIBRARIES, package: str = CUBLAS_PACKAGE) -> tuple[str, ...]:
    """Load each library globally, from the loader's own path or else from the pip package's folder.

    Returns the names that could be loaded from neither."""
    folder = _package_library_folder(package)
    missing = []
    for name in names:
        candidates = [name] + ([str(folder / name)] if folder is not None and (folder / name).exists() else [])
        for candidate in candidates:
            try:
                ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
                break
            except OSError:
                continue
        else:
            missing.append(name)
    return tuple(missing)


def transcription_device(requested: str) -> DeviceChoice:
    """Decide where Whisper runs, loading cuBLAS 12 when a GPU is present."""
    if requested == "cpu":
        return choose_device("cpu", 0, ())
    devices = cuda_device_count()
    missing = load_cuda_libraries() if devices else ()
    choice = choose_device(requested, devices, missing)
    if devices and choice.device == "cpu":
        log.warning("transcribing on the CPU: %s", choice.reason)
    return choice
