"""The report's charts as PNG bytes, drawn with matplotlib's Agg canvas (no display, no pyplot state).

Chinese labels need a CJK font; the first installed one of a short list is used (Debian: fonts-noto-cjk),
and without one the charts are still drawn, with a warning, their Chinese shown as empty boxes.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import threading
import warnings
from functools import lru_cache
from typing import Sequence

from qc.coaching.data import ToneAlert, WeekScore

log = logging.getLogger(__name__)

_CJK_FONTS = {
    "en": ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei"),
    "zh": ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei"),
    "zh-HK": ("Noto Sans CJK HK", "Noto Sans CJK TC", "Source Han Sans HK", "Source Han Sans TC", "Noto Sans CJK SC",
              "Microsoft JhengHei"),
}
_OWN, _PEER, _BAD = "#1f6fb2", "#9aa5b1", "#c0392b"
# rcParams are process-wide: charts are drawn one at a time, so report tasks on threads cannot mix fonts.
_lock = threading.Lock()


@lru_cache(maxsize=None)
def cjk_font(lang: str) -> str | None:
    """The family name of an installed font that covers the report's Chinese, or None (with a warning).

    English reports look for one too, without the warning: agents' names are often Chinese.
    """
    wanted = _CJK_FONTS.get(lang, _CJK_FONTS["zh"])
    name = _first_installed(wanted)
    if name is None and _add_fonts_installed_since_cached():
        name = _first_installed(wanted)
    if name:
        return name
    if lang != "en":
        log.warning("no Chinese font found for the coaching charts (install Debian package fonts-noto-cjk): "
                    "their Chinese labels will show as boxes")
    return None


def _first_installed(families: Sequence[str]) -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in families if name in installed), None)


def _add_fonts_installed_since_cached() -> bool:
    """Add the system's fonts that matplotlib's font cache does not list; whether there were any.

    matplotlib lists the system's fonts once and keeps the list: a font package installed after that (as the
    warning below advises) would stay unseen.
    """
    from matplotlib import font_manager

    listed = {f.fname for f in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        if path not in listed:
            try:
                font_manager.fontManager.addfont(path)
                added = True
            except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read: matplotlib skips it too
                continue
    return added


def _rc(lang: str) -> dict:
    font = cjk_font(lang)
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 10,
    }


def _png(draw, lang: str, size: tuple[float, float]) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(_rc(lang)), warnings.catch_warnings():
        # Without a CJK font every Chinese glyph warns; cjk_font has said so once already.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig = Figure(figsize=size, dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _nan(v: float | None) -> float:
    return math.nan if v is None else v


def score_trend(own: Sequence[WeekScore], peer: Sequence[WeekScore], own_label: str, peer_label: str, y_label: str,
                lang: str) -> bytes:
    """Mean score per week, the subject against its peers; weeks without calls leave a gap."""

    # Weeks before either had a call would only stretch the axis.
    first = next((i for i, (o, p) in enumerate(zip(own, peer)) if o.calls or p.calls), len(own) - 1)
    own, peer = own[first:], peer[first:]

    def draw(fig):
        ax = fig.add_subplot()
        x = range(len(own))
        ax.plot(x, [_nan(w.mean_score) for w in peer], "--o", color=_PEER, label=peer_label, markersize=4)
        ax.plot(x, [_nan(w.mean_score) for w in own], "-o", color=_OWN, label=own_label, linewidth=2)
        for i, (w, p) in enumerate(zip(own, peer)):
            if w.mean_score is not None:
                below = p.mean_score is not None and p.mean_score >= w.mean_score  # keep clear of the peers' line
                ax.annotate(f"{w.mean_score:.0f}", (i, w.mean_score), textcoords="offset points", xytext=(0, -13 if below else 6),
                            ha="center", fontsize=8, color=_OWN)
        ax.set_xticks(list(x), [w.week for w in own], rotation=30, fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel(y_label)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower left", fontsize=8, frameon=False)

    return _png(draw, lang, (7.5, 3.0))


def item_rates(titles: Sequence[str], own: Sequence[float | None], peer: Sequence[float | None], own_label: str,
               peer_label: str, x_label: str, lang: str) -> bytes:
    """Pass rate per rubric item as paired horizontal bars; items below the peers in red."""

    def draw(fig):
        ax = fig.add_subplot()
        y = list(range(len(titles)))
        own_pct = [100 * _nan(v) for v in own]
        peer_pct = [100 * _nan(v) for v in peer]
        colours = [_BAD if (o < p - 1e-9) else _OWN for o, p in zip(own_pct, peer_pct)]
        ax.barh([i - 0.2 for i in y], own_pct, height=0.38, color=colours, label=own_label)
        ax.barh([i + 0.2 for i in y], peer_pct, height=0.38, color=_PEER, label=peer_label)
        for i, v in enumerate(own_pct):
            if not math.isnan(v):
                ax.text(v + 1, i - 0.2, f"{v:.0f}%", va="center", fontsize=7)
        ax.set_yticks(y, titles, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xlabel(x_label)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)

    return _png(draw, lang, (7.5, 1.2 + 0.38 * max(1, len(titles))))


def agent_scores(names: Sequence[str], scores: Sequence[float | None], team_mean: float | None, mean_label: str,
                 x_label: str, lang: str) -> bytes:
    """Each agent's mean score this week, with the team mean as a line."""

    def draw(fig):
        ax = fig.add_subplot()
        y = list(range(len(names)))
        values = [_nan(s) for s in scores]
        colours = [_BAD if team_mean is not None and v < team_mean else _OWN for v in values]
        ax.barh(y, values, color=colours, height=0.6)
        for i, v in enumerate(values):
            if not math.isnan(v):
                ax.text(v + 1, i, f"{v:.1f}", va="center", fontsize=8)
        if team_mean is not None:
            ax.axvline(team_mean, color=_PEER, linestyle="--", label=f"{mean_label} {team_mean:.1f}")
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xlabel(x_label)

    return _png(draw, lang, (7.5, 0.9 + 0.4 * max(1, len(names))))


def alerts_per_week(weeks: Sequence[str], alerts: Sequence[ToneAlert], kind_label: dict[str, str], y_label: str,
                    lang: str) -> bytes:
    """Tone alerts per week, stacked by kind."""
    kinds = sorted({a.kind for a in alerts})

    def draw(fig):
        ax = fig.add_subplot()
        x = list(range(len(weeks)))
        bottom = [0] * len(weeks)
        palette = ["#e67e22", _BAD, "#8e44ad", "#16a085"]
        for k, kind in enumerate(kinds):
            counts = [sum(1 for a in alerts if a.kind == kind and a.week == w) for w in weeks]
            ax.bar(x, counts, bottom=bottom, color=palette[k % len(palette)], label=kind_label.get(kind, kind), width=0.6)
            bottom = [b + c for b, c in zip(bottom, counts)]
        ax.set_xticks(x, list(weeks), rotation=30, fontsize=8)
        ax.set_ylabel(y_label)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if kinds:
            ax.legend(fontsize=8, frameon=False)

    return _png(draw, lang, (7.5, 2.4))
