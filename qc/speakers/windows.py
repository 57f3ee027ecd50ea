"""Who spoke when on a mono call: two speakers, or an honest "unresolved".

Speech found by Silero VAD is cut into 1.5 s windows every 0.75 s; each window gets a CAM++ speaker
embedding (``qc.speakers.embedding``, onnxruntime, no torch); the embeddings are centred on the call's mean
(what is common to both voices, the line and the codec, drops out) and split into two groups by
average-linkage clustering on cosine distance. When the groups are not clearly apart (silhouette
under a threshold, or one "speaker" with almost no speech) the call is reported unresolved rather
than guessed. The windows are then labelled again in sequence (``resegment``: a two-state HMM, Viterbi),
and the stretches only doubtful windows (about as close to both voices) heard are marked uncertain.
``qc.speakers.frames`` places these two voices' turns at frame resolution with pyannote.audio, and
``place_turns_by_voice`` re-checks each long turn against the voices.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from qc.speakers.embedding import SpeakerEmbedder

SAMPLE_RATE = 16000
WINDOW_S = 1.5
HOP_S = 0.75
# The gate between "two voices" and "one voice split in two": on the sample calls two-speaker mixes and single
# channels fall either side of these values, and both must agree (reports/bench/history.md).
MIN_SILHOUETTE = 0.2
MAX_CENTROID_COSINE = 0.9
MIN_SHARE = 0.05  # the smaller speaker must hold at least this share of the speech windows
# A frame-level turn heard alone for this long is placed by its own embedding ... Long enough to take back a short
# phrase the windows gave to the other voice; shorter gives the same (reports/bench/history.md).
MIN_PLACED_TURN_S = 0.6
# ... when it is closer to the other voice by more than this: a greeting only a little closer to the other voice
# stays where it is, while the turns placement fixes are far closer (reports/bench/history.md).
PLACEMENT_MARGIN = 0.3
# Resegmentation: a window's score for a voice is its cosine to that voice's centroid; changing voice between
# two windows costs this much. Any small cost halves the confusion, a large one undoes it (reports/bench/history.md).
SWITCH_PENALTY = 0.1
RESEGMENT_ROUNDS = 2  # centroids re-estimated from the new labels, then labelled again
# A window whose cosines to the two voices differ by less than this is uncertain: what only such windows heard does
# not overrule pyannote's segmentation (qc.speakers.frames); a wider margin made the real clip worse. A lone window
# is not uncertain for being lone: that is how a short reply ("哪个路口？") is heard (reports/bench/history.md).
UNCERTAIN_MARGIN = 0.3
# A third voice must hold this share of the speech, make the grouping clearly tighter and sound unlike
# both others: set between what two-voice calls and a real third voice mixed in showed (reports/bench/history.md).
MIN_THIRD_SHARE = 0.08
MIN_THIRD_GAIN = 0.08
MAX_THIRD_COSINE = 0.8


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class VoiceModel:
    """The two voices found in a call, to place longer stretches of speech by their own embedding."""

    call_mean: np.ndarray  # mean raw embedding of the call's windows
    centroids: dict[str, np.ndarray]  # speaker -> unit centroid in the centred space
    # speaker -> unit mean of the raw embeddings: comparable with an enrolled voiceprint
    raw_centroids: dict[str, np.ndarray] = field(default_factory=dict)

    def closeness(self, raw_embedding: np.ndarray) -> dict[str, float]:
        """Cosine of the embedding to each voice, in the call-centred space."""
        x = raw_embedding - self.call_mean
        x = x / max(float(np.linalg.norm(x)), 1e-8)
        return {name: float(x @ centroid) for name, centroid in self.centroids.items()}


@dataclass(frozen=True, eq=False)
class Diarization:
    resolved: bool
    turns: tuple[SpeakerTurn, ...]
    silhouette: float | None
    reason: str = ""
    voices: VoiceModel | None = None
    # Share of the speech in a third, distinct voice (a transfer, a supervisor joining), when one was heard.
    third_voice_share: float | None = None
    # Stretches heard only by doubtful windows (about as close to both voices): a guess.
    uncertain: tuple[tuple[float, float], ...] = ()

    def speaker_at(self, start: float, end: float) -> str | None:
        """The speaker whose turns overlap [start, end] most; the nearest turn when none overlaps."""
        if not self.turns:
            return None
        best, best_overlap, nearest, nearest_gap = None, 0.0, None, float("inf")
        for turn in self.turns:
            overlap = min(end, turn.end) - max(start, turn.start)
            if overlap > best_overlap:
                best, best_overlap = turn.speaker, overlap
            gap = max(turn.start - end, start - turn.end, 0.0)
            if gap < nearest_gap:
                nearest, nearest_gap = turn.speaker, gap
        return best or nearest


def speech_regions(audio: np.ndarray, vad_threshold: float) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(threshold=vad_threshold, min_silence_duration_ms=250, speech_pad_ms=30)
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in get_speech_timestamps(audio, options)]


def windows_over(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in regions:
        if end - start <= WINDOW_S:
            out.append((start, end))
            continue
        t = start
        while t + WINDOW_S <= end + 1e-6:
            out.append((t, t + WINDOW_S))
            t += HOP_S
        if out[-1][1] < end - 0.25 * WINDOW_S:
            out.append((end - WINDOW_S, end))
    return out


def diarize(audio: np.ndarray, embedder: SpeakerEmbedder, vad_threshold: float = 0.4) -> Diarization:
    windows = windows_over(speech_regions(audio, vad_threshold))
    if len(windows) < 4:
        return Diarization(False, (), None, "too little speech to separate speakers")
    raw = embedder.embed_windows(audio, windows)
    embeddings = centred(raw)
    labels = two_clusters(embeddings)
    shares = np.bincount(labels, minlength=2) / len(labels)
    score = silhouette(embeddings, labels)
    similarity = centroid_cosine(raw, labels)
    if shares.min() < MIN_SHARE or score < MIN_SILHOUETTE or similarity > MAX_CENTROID_COSINE:
        return Diarization(
            False, (), round(score, 3),
            f"voices not separable (silhouette {score:.2f}, voice similarity {similarity:.2f}, "
            f"smaller voice {shares.min():.0%} of speech)",
        )
    third = third_voice(embeddings, raw, score)
    labels = resegment(embeddings, labels)
    names = _names_by_first_appearance(labels)
    centroids, raw_centroids = group_centroids(embeddings, labels), group_centroids(raw, labels)
    voices = VoiceModel(raw.mean(axis=0), {names[k]: centroids[k] for k in (0, 1)},
                        {names[k]: raw_centroids[k] for k in (0, 1)})
    certain = np.abs(embeddings @ centroids[0] - embeddings @ centroids[1]) >= UNCERTAIN_MARGIN
    return Diarization(True, tuple(_turns(windows, labels, names)), round(score, 3), voices=voices, third_voice_share=third,
                       uncertain=uncertain_spans(windows, certain))


def place_turns_by_voice(audio: np.ndarray, diarization: Diarization, embedder: SpeakerEmbedder) -> Diarization:
    """Each turn goes to the nearer of the call's two voices by the embedding of its longest stretch heard alone
    (``solo_span``), when that stretch lasts ``MIN_PLACED_TURN_S`` or more.

    A turn found at frame resolution is one stretch of one voice; its own embedding, over seconds of speech,
    says whose it is better than the 1.5 s windows it was labelled from (reports/bench/history.md). Only the
    stretch heard alone counts: where the other person talks over it, the embedding would hear them too.
    """
    voices = diarization.voices
    if not diarization.resolved or voices is None:
        return diarization
    spans = {i: solo_span(turn, diarization.turns) for i, turn in enumerate(diarization.turns)
             if turn.end - turn.start >= MIN_PLACED_TURN_S}
    placed = [i for i, span in spans.items() if span[1] - span[0] >= MIN_PLACED_TURN_S]
    if not placed:
        return diarization
    embeddings = embedder.embed_windows(audio, [spans[i] for i in placed])
    turns = list(diarization.turns)
    for i, embedding in zip(placed, embeddings):
        closeness = voices.closeness(embedding)
        nearest = max(closeness, key=closeness.__getitem__)
        if closeness[nearest] - closeness.get(turns[i].speaker, -1.0) > PLACEMENT_MARGIN:
            turns[i] = SpeakerTurn(turns[i].start, turns[i].end, nearest)
    return replace(diarization, turns=tuple(turns))


def solo_span(turn: SpeakerTurn, turns) -> tuple[float, float]:
    """The longest part of ``turn`` where no other turn is heard (empty, at its start, when there is none)."""
    overlapping = [(t.start, t.end) for t in turns if t is not turn and t.start < turn.end and t.end > turn.start]
    pieces = spans_minus([(turn.start, turn.end)], overlapping)
    return max(pieces, key=lambda p: p[1] - p[0], default=(turn.start, turn.start))


def spans_minus(spans: list[tuple[float, float]], holes) -> list[tuple[float, float]]:
    """The parts of ``spans`` that no (start, end) in ``holes`` covers."""
    for h_start, h_end in holes:
        spans = [p for a, b in spans for p in ((a, min(b, h_start)), (max(a, h_end), b)) if p[1] - p[0] > 1e-6]
    return spans


def third_voice(embeddings: np.ndarray, raw: np.ndarray, two_silhouette: float) -> float | None:
    """The share of speech in a third voice, if three groups fit clearly better than two.

    Calls have two speakers by design; a third (a transfer, a supervisor) is reported, not modelled:
    the roles stay agent / caller and the call is flagged for a human to look at.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(embeddings) < 12:
        return None
    labels = fcluster(linkage(embeddings, method="average", metric="cosine"), t=3, criterion="maxclust") - 1
    if len(set(labels.tolist())) < 3:
        return None
    shares = np.bincount(labels, minlength=3) / len(labels)
    if shares.min() < MIN_THIRD_SHARE or silhouette(embeddings, labels) < two_silhouette + MIN_THIRD_GAIN:
        return None
    centroids = group_centroids(raw, labels, 3)
    if max(float(centroids[a] @ centroids[b]) for a, b in ((0, 1), (0, 2), (1, 2))) > MAX_THIRD_COSINE:
        return None
    return round(float(shares.min()), 3)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-8)


def group_centroids(vectors: np.ndarray, labels: np.ndarray, groups: int = 2) -> np.ndarray:
    """(groups, dim): the unit mean of each group's vectors."""
    return np.stack([_unit(vectors[labels == k].mean(axis=0)) for k in range(groups)])


def _names_by_first_appearance(labels: np.ndarray) -> dict[int, str]:
    """"S1" is whoever spoke first."""
    names: dict[int, str] = {}
    for label in labels.tolist():
        names.setdefault(label, f"S{len(names) + 1}")
    for label in (0, 1):
        names.setdefault(label, f"S{len(names) + 1}")
    return names


def centroid_cosine(embeddings: np.ndarray, labels: np.ndarray) -> float:
    """How alike the two groups' average voices are (1.0 = the same voice)."""
    if len(set(labels.tolist())) < 2:
        return 1.0
    a, b = embeddings[labels == 0].mean(axis=0), embeddings[labels == 1].mean(axis=0)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


def centred(embeddings: np.ndarray) -> np.ndarray:
    out = embeddings - embeddings.mean(axis=0, keepdims=True)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


def two_clusters(embeddings: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    return fcluster(tree, t=2, criterion="maxclust") - 1


def silhouette(embeddings: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette on cosine distance: near 1 for two tight, distant voices, near 0 for one."""
    if len(set(labels.tolist())) < 2:
        return 0.0
    dist = 1.0 - embeddings @ embeddings.T
    scores = np.zeros(len(labels))
    for i, label in enumerate(labels):
        same = labels == label
        same[i] = False
        a = dist[i, same].mean() if same.any() else 0.0
        b = dist[i, labels != label].mean()
        scores[i] = (b - a) / max(a, b, 1e-12)
    return float(scores.mean())


def resegment(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The windows labelled again in time order by the most likely path through two voices (Viterbi).

    Clustering labels each window alone; a lone window on the wrong side of a close call is the most
    common error, and voices change at turns, not every window. Each round takes the voices' centroids
    from the current labels. Labels that would leave a voice with no window are not taken.
    """
    for _ in range(RESEGMENT_ROUNDS):
        path = viterbi(embeddings @ group_centroids(embeddings, labels).T, SWITCH_PENALTY)
        if len(set(path.tolist())) < 2:
            break
        labels = path
    return labels


def viterbi(scores: np.ndarray, switch_penalty: float) -> np.ndarray:
    """The best label sequence for (n, 2) per-window scores, paying ``switch_penalty`` at each change."""
    n = len(scores)
    total = scores[0].copy()
    came_from = np.zeros((n, 2), dtype=int)
    for i in range(1, n):
        stay, switch = total, total[::-1] - switch_penalty
        came_from[i] = np.where(stay >= switch, [0, 1], [1, 0])
        total = np.maximum(stay, switch) + scores[i]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(total))
    for i in range(n - 1, 0, -1):
        path[i - 1] = came_from[i][path[i]]
    return path


def uncertain_spans(windows: list[tuple[float, float]], certain: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The parts of uncertain windows that no certain window covers."""
    sure = merged_spans([w for w, ok in zip(windows, certain.tolist()) if ok])
    out: list[tuple[float, float]] = []
    for (start, end), ok in zip(windows, certain.tolist()):
        if ok:
            continue
        out.extend(spans_minus([(start, end)], sure))
    return tuple((round(a, 2), round(b, 2)) for a, b in merged_spans(out))


def merged_spans(spans) -> list[tuple[float, float]]:
    """(start, end) spans as their union: sorted, overlapping or touching ones joined."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _turns(windows: list[tuple[float, float]], labels: np.ndarray, order: dict[int, str]) -> list[SpeakerTurn]:
    turns: list[SpeakerTurn] = []
    for (start, end), label in zip(windows, labels.tolist()):
        name = order[label]
        if turns and turns[-1].speaker == name and start <= turns[-1].end + 0.3:
            turns[-1] = SpeakerTurn(turns[-1].start, max(end, turns[-1].end), name)
        elif turns and start < turns[-1].end:
            # Overlapping windows of different speakers: split the difference.
            middle = (start + turns[-1].end) / 2
            turns[-1] = SpeakerTurn(turns[-1].start, middle, turns[-1].speaker)
            turns.append(SpeakerTurn(middle, end, name))
        else:
            turns.append(SpeakerTurn(start, end, name))
    return [SpeakerTurn(round(t.start, 2), round(t.end, 2), t.speaker) for t in turns]
