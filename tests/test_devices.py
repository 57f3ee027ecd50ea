"""Where Whisper runs: the decision, and loading cuBLAS 12 from the pip package the CUDA torch build brings."""

import ctypes

import pytest

from qc.devices import choose_device, load_cuda_libraries, transcription_device
from qc.errors import ModelUnavailable


def test_auto_uses_the_gpu_only_when_its_libraries_load():
    assert choose_device("auto", 1, ()).device == "cuda"
    fallback = choose_device("auto", 1, ("libcublas.so.12",))
    assert fallback.device == "cpu"
    assert "libcublas.so.12" in fallback.reason
    assert choose_device("auto", 0, ()).device == "cpu"


def test_cpu_is_honoured_even_with_a_gpu():
    assert choose_device("cpu", 2, ()).device == "cpu"


def test_an_explicit_cuda_that_cannot_work_is_an_error_that_names_the_fix():
    with pytest.raises(ModelUnavailable, match="no CUDA device"):
        choose_device("cuda", 0, ())
    with pytest.raises(ModelUnavailable, match="nvidia-cublas-cu12"):
        choose_device("cuda", 1, ("libcublas.so.12",))
    assert choose_device("cuda", 1, ()).device == "cuda"


def test_cublas_12_loads_from_the_pip_package_folder_the_loader_does_not_search():
    # The CUDA torch build installs nvidia-cublas-cu12; the system's library path does not hold it.
    assert load_cuda_libraries() == ()
    # Once loaded globally, the name resolves for any later dlopen, which is what CTranslate2 does.
    ctypes.CDLL("libcublas.so.12")


def test_a_library_found_nowhere_is_reported_missing():
    assert load_cuda_libraries(("libdoes-not-exist.so.7",), package="nvidia.cublas") == ("libdoes-not-exist.so.7",)


def test_this_machine_without_a_gpu_transcribes_on_the_cpu():
    assert transcription_device("auto").device == "cpu"
    assert transcription_device("cpu").device == "cpu"
