"""Settings: per-hotline-line configuration plus pipeline knobs, from a YAML file and QC_* env vars.

Priority: environment (``QC_DB_PATH=...``, ``QC_ASR__BEAM_SIZE=1``) over the YAML file over defaults.
The file is ``--config FILE`` or ``$QC_CONFIG``; without one, the defaults below describe a
Mandarin 12345 line with a stereo recorder that puts the agent on the left channel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from qc.errors import ConfigError
from qc.shipped import shipped_dir

# Who a web user is (qc.accounts); settings name roles too, and an unknown one must be refused, not ignored.
UserRole = Literal["inspector", "team_lead", "agent", "admin", "recorder"]

Script = Literal["t2s", "s2t", "s2hk", "none"]


class LineConfig(BaseModel):
    """One hotline line (a number callers dial), as its operators would describe it."""

    name: str = "12345 市民服务热线"
    # ISO code Whisper understands ("zh", "en"), or null to detect per call.
    language: str | None = "zh"
    # OpenCC conversion applied to every transcript before any rule runs.
    script: Script = "t2s"
    agent_channel: int = Field(0, ge=0, le=1, description="0 = left, 1 = right")
    rubric: str = "12345.yaml"
    # Words of this line the recogniser is hinted with (rubrics/vocabulary/*.txt), see asr.vocabulary.
    vocabulary: str | None = "vocabulary/12345.txt"
    # Which numbers count as personal data: "cn" (mainland IDs, 1[3-9] mobiles, 8-digit landlines) or
    # "hk" (Hong Kong IDs and 8-digit phones).
    pii_region: Literal["cn", "hk"] = "cn"
    # Words that only an agent says at the start of a call; used to tell agent from caller
    # on mono recordings.
    agent_opening_cues: list[str] = [
        "请问有什么可以帮",
        "有什么可以帮您",
        "有什么能帮",
        "12345",
        "热线",
        "how can i help",
        "how may i help",
    ]


class AsrConfig(BaseModel):
    model: str = "whisper-base"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # "auto": int8 on CPU, float16 on GPU.
    compute_type: str = "auto"
    beam_size: int = Field(5, ge=1, le=10)
    # Live recognition only (bounded: hold music and noise must not make one utterance take seconds); scoring
    # decodes by beam search so a recording gives the same words every run (qc.speech.batched).
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4)
    cpu_threads: int = Field(0, ge=0, description="0 = cores / workers")
    # How the line's vocabulary reaches Whisper: not at all, as faster-whisper "hotwords", or as the
    # initial prompt. Chosen by measurement (bench/asr.py).
    vocabulary: Literal["off", "hotwords", "prompt"] = "off"
    # After decoding: replace a stretch of words that sounds like a term of the line's vocabulary, only
    # where the decoder itself was unsure of those words (reports/bench/asr.md).
    correction: bool = True
    correction_max_probability: float = Field(0.7, gt=0, le=1)  # a homophone: every sound the same
    correction_max_probability_near: float = Field(0.35, gt=0, le=1)  # a sound changes too
    correction_min_similarity: float = Field(0.85, gt=0, le=1)
    punctuation: bool = True  # ，。？ from pauses and question words (Chinese lines)
    # Silero's speech probabilities drop on 8 kHz telephone audio: a lower threshold hears every channel
    # where the usual one missed whole speakers (reports/bench/history.md). Wideband audio keeps a stricter one.
    vad_threshold: float = Field(0.4, gt=0, lt=1)
    vad_threshold_narrowband: float = Field(0.25, gt=0, lt=1)
    vad_min_silence_ms: int = 500
    vad_speech_pad_ms: int = 200

    def vad_threshold_for(self, narrowband: bool) -> float:
        return self.vad_threshold_narrowband if narrowband else self.vad_threshold


class SpeakerConfig(BaseModel):
    """Which voice is the agent's: enrolled voiceprints (`qc agents enroll`)."""

    # Cosine between a call's voice and the agent's voiceprint at or above which it is the agent: the lowest
    # same-speaker score of real voices, well above different speakers'; higher rejected a real speaker's own voice
    # (reports/bench/history.md).
    voiceprint_threshold: float = Field(0.85, gt=0, le=1)
    # On mono calls the agent's voice must be this much closer to the print than the other voice.
    voiceprint_margin: float = Field(0.03, ge=0, le=1)
    min_enrolment_speech_s: float = Field(20.0, gt=0)
    # Mono calls: "pyannote" places turn changes and overlap at frame resolution with pyannote segmentation-3.0
    # on top of the window clustering, far fewer errors; "windows" keeps the 0.75 s window turns (no torch
    # import, about a third of the time; reports/bench/history.md).
    mono_diarization: Literal["pyannote", "windows"] = "pyannote"


class AudioLimits(BaseModel):
    # Longer recordings are refused before decoding: 2 h of 16 kHz float32 stereo is ~0.9 GB.
    max_duration_s: float = Field(7200.0, gt=0)
    min_duration_s: float = Field(0.5, ge=0)
    # Below this peak level (dBFS) a recording is treated as silent.
    silence_peak_dbfs: float = -60.0


class PrivacyConfig(BaseModel):
    # Citizens' ID, phone and card numbers, addresses and names are replaced by placeholders
    # ([手机号]) before anything is stored or judged; their times are kept to mute playback audio.
    redact: bool = True
    # Keep the unredacted transcript too (in utterances_raw), only where the site's rules allow it;
    # the web app shows it only to roles allowed to see it.
    keep_raw_transcripts: bool = False


class RetentionConfig(BaseModel):
    """How long each kind of data is kept, in days (null = keep). Enforced by `qc retention run`."""

    raw_transcripts_days: int | None = Field(30, ge=0)  # unredacted transcripts (utterances_raw)
    transcripts_days: int | None = Field(365, ge=0)  # redacted transcripts and where personal data was
    results_days: int | None = Field(3 * 365, ge=0)  # verdicts, scores, alerts, and the call rows
    failures_days: int | None = Field(90, ge=0)  # the history of failed attempts


class WebConfig(BaseModel):
    """The inspectors' web app (`qc serve`)."""

    # Loopback only unless a site decides otherwise (behind its own TLS proxy).
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # Signs session cookies. Unset: a random key is made once and kept beside the database
    # (<db>.secret, mode 0600) so sessions survive a restart; never put one in the repository.
    secret_key: str | None = None
    session_hours: float = Field(10.0, gt=0)
    # Served over HTTPS by a proxy: mark cookies Secure.
    https: bool = False
    # Wrong passwords in a row before a sign-in is locked, and for how long.
    max_failed_logins: int = Field(5, ge=1)
    lockout_minutes: float = Field(15.0, ge=0)
    # Who may see unredacted transcripts and audio (every such read is audit-logged).
    raw_data_roles: list[UserRole] = ["admin"]
    appeal_window_days: int = Field(7, ge=0)
    # Double review: calls drawn per inspector per ISO week.
    calibration_per_inspector: int = Field(5, ge=0)
    page_size: int = Field(50, ge=10, le=500)
    # A request waits this long for the database while another process (the batch) has its turn, then answers 503.
    db_wait_s: float = Field(30.0, gt=0)
    # Where `qc report` and the weekly coaching flow write reports; the app lists and serves them.
    reports_dir: Path = Path("reports/coaching")


class LiveConfig(BaseModel):
    """The live path (`qc serve`'s /live WebSocket): streamed call audio to alerts within seconds."""

    # An utterance ends after this much silence: shorter = faster alerts, more split sentences.
    end_silence_s: float = Field(0.5, gt=0.1, le=3.0)
    max_utterance_s: float = Field(12.0, gt=1.0, le=60.0)
    # Live decoding trades a little accuracy for latency; the nightly batch re-scores the recording.
    beam_size: int = Field(1, ge=1, le=10)
    # The same alert kind is not repeated to an agent within this many seconds (distress always is).
    cooldown_s: float = Field(60.0, ge=0)
    # Rubric items judged while the call is on (besides urgency): fast, word-based ones only.
    realtime_items: list[str] = ["no_forbidden_words"]
    # No audio for this long: the call is marked stalled; twice as long: ended.
    stall_after_s: float = Field(15.0, gt=0)
    max_calls: int = Field(64, ge=1)
    # Frames that arrive out of order are put back in place within this many frames; later ones are dropped.
    reorder_frames: int = Field(8, ge=0, le=100)
    # Protocol errors tolerated in one call before it is closed.
    max_bad_frames: int = Field(50, ge=0)


class DeployConfig(BaseModel):
    """The services under a process supervisor (`qc deploy render`, docs/deploy.md)."""

    # Where the rendered supervisord.conf, its socket, pid file and the services' logs go.
    run_dir: Path = Path("deploy/run")
    # The nightly deployment scores <recordings_root>/<yesterday>; required to render the services.
    recordings_root: Path | None = None
    prefect_host: str = "127.0.0.1"
    prefect_port: int = Field(4200, ge=1, le=65535)
    # The Prefect API the web app's /readyz, `qc doctor` and the worker use; unset: $PREFECT_API_URL, else
    # the server above when rendered.
    prefect_api_url: str | None = None
    # The Prefect server's database: postgresql+asyncpg://user:password@host:5432/prefect (SQLite locks under
    # the worker's load). Better given as $QC_DEPLOY__PREFECT_DATABASE_URL than written in a file.
    prefect_database_url: str | None = None
    prefect_ui: bool = True
    # Seconds the worker waits for the Prefect API at start before giving up (the supervisor starts it again).
    prefect_wait_s: float = Field(120.0, gt=0)
    nightly_cron: str = "0 1 * * *"
    coaching_cron: str = "0 6 * * 1"
    retention_cron: str = "30 3 * * *"
    timezone: str = "Asia/Shanghai"

class WebhookConfig(BaseModel):
    """Signed webhooks to a hotline's other systems (docs/webhooks.md): how deliveries are tried."""

    # Attempts per delivery before it is marked failed (`qc webhooks replay` sends it again).
    max_attempts: int = Field(10, ge=1, le=50)
    # The wait before the second attempt; doubled after each, with jitter, up to retry_max_s.
    retry_base_s: float = Field(5.0, gt=0)
    retry_max_s: float = Field(3600.0, gt=0)
    # A receiver that has not answered within this many seconds counts as a failed attempt.
    timeout_s: float = Field(10.0, gt=0, le=120)
    # How often a deliverer looks for new events (a file's time, not the database) and due retries.
    poll_s: float = Field(0.25, gt=0, le=60)
    # Deliveries posted at once by one deliverer (a slow receiver does not hold up the others).
    concurrency: int = Field(4, ge=1, le=32)
    # `qc serve` runs a deliverer in a background thread; off: run `qc webhooks deliver` instead.
    deliver_in_serve: bool = True


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity, which a container or taskset narrows below cpu_count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QC_", env_nested_delimiter="__", extra="forbid")

    db_path: Path = Path("qc.duckdb")
    # How long the batch and CLI commands wait for the database while another process has its turn,
    # before they stop and say who holds it (the web app's pages wait web.db_wait_s).
    db_wait_s: float = Field(60.0, gt=0)
    # The rubrics and the model registry (with our converted weights) that ship inside hotline-qc.
    rubrics_dir: Path = Field(default_factory=lambda: shipped_dir("rubrics"))
    models_dir: Path = Field(default_factory=lambda: shipped_dir("models"))
    # Where assembled model weights are cached (checksummed), created on first use.
    model_cache_dir: Path = Path(os.path.expanduser("~/.cache/hotline-qc/models"))
    workers: int = Field(1, ge=1, le=64)
    # CPU priority of a batch (`qc score`, `qc nightly run`): niceness added to the process. Live calls
    # (`qc serve`) keep theirs, so an agent's alert is not queued behind the night's backlog on a shared
    # machine; the batch takes whatever the live path leaves (0: the same priority as everything else).
    batch_nice: int = Field(10, ge=0, le=19)
    default_line: str = "12345"
    # A trained classifier beside the crisis lexicon raises possible_crisis where the lexicon heard nothing
    # (qc/crisis/learned.py). Off: on everyday calls it raises one on most calls (reports/bench/crisis-learned.md).
    crisis_model: bool = False
    lines: dict[str, LineConfig] = {
        "12345": LineConfig(),
        # English seats of a 12345 line (Guangzhou runs four): same rubric, English decoding.
        "12345-en": LineConfig(name="12345 English service", language="en", script="none", vocabulary=None),
        # Hong Kong 1823: Cantonese, English and Mandarin callers; language detected per call,
        # Traditional characters (Hong Kong variants) in the transcript.
        "1823": LineConfig(name="1823 政府熱線", language=None, script="s2hk", rubric="1823.yaml", pii_region="hk"),
        "12320": LineConfig(name="12320 卫生健康热线", rubric="12320.yaml", vocabulary="vocabulary/12320.txt"),
    }
    asr: AsrConfig = AsrConfig()
    speakers: SpeakerConfig = SpeakerConfig()
    audio: AudioLimits = AudioLimits()
    privacy: PrivacyConfig = PrivacyConfig()
    retention: RetentionConfig = RetentionConfig()
    web: WebConfig = WebConfig()
    live: LiveConfig = LiveConfig()
    deploy: DeployConfig = DeployConfig()

    webhooks: WebhookConfig = WebhookConfig()

    @field_validator("lines")
    @classmethod
    def _at_least_one_line(cls, lines: dict[str, LineConfig]) -> dict[str, LineConfig]:
        if not lines:
            raise ValueError("at least one line must be configured")
        return lines

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; the environment must win over it.
        return env_settings, init_settings

    def threads_per_worker(self) -> int:
        """CPU threads one scoring worker's models may use: ``asr.cpu_threads``, else the cores shared by the workers."""
        return self.asr.cpu_threads or max(1, usable_cores() // self.workers)

    def line(self, line_id: str | None) -> tuple[str, LineConfig]:
        key = line_id or self.default_line
        if key not in self.lines:
            known = ", ".join(sorted(self.lines))
            raise ConfigError(f"line '{key}' is not configured (known lines: {known})")
        return key, self.lines[key]


def load_settings(path: Path | str | None = None, **overrides: object) -> Settings:
    """Read settings from ``path`` (or ``$QC_CONFIG``), then the environment, then ``overrides``."""
    path = path or os.environ.get("QC_CONFIG")
    data: dict = {}
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file not found: {file}")
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: expected a mapping of settings at the top level")
    try:
        settings = Settings(**data)
        return settings.model_copy(update=overrides) if overrides else settings
    except ValidationError as exc:
        where = f"{path}: " if path else ""
        raise ConfigError(f"{where}invalid settings: {exc}") from exc
