"""Where reports live: ``<out>/<week>/agent-<id>.html|.pdf|.json`` and ``team-<team>.…``.

The ``.json`` beside each report says what it is about (ids may hold characters a file name cannot), and
is written last: a report is listed only once it is complete. Files are written under a temporary
name and renamed, so the web app never serves half a report.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

KINDS = ("agent", "team")
_UNSAFE = re.compile(r"[^\w.-]+")  # \w is Unicode: Chinese team names stay readable


class ReportEntry(NamedTuple):
    week: str
    kind: str  # agent | team
    id: str
    html: Path
    pdf: Path | None


def safe_name(value: str) -> str:
    name = _UNSAFE.sub("_", value).strip("._")
    return name or "_"


def report_stem(out_dir: Path, week: str, kind: str, subject: str) -> Path:
    """The report's path without its suffix."""
    return Path(out_dir) / week / f"{kind}-{safe_name(subject)}"


def write_atomic(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_meta(stem: Path, meta: dict) -> Path:
    return write_atomic(stem.with_suffix(".json"), json.dumps(meta, ensure_ascii=False, indent=1, default=str))


def list_reports(out_dir: Path | str) -> list[ReportEntry]:
    """Every finished report under ``out_dir``: newest week first, then agents before teams, by id."""
    root = Path(out_dir)
    if not root.is_dir():
        return []
    found = []
    for meta_path in root.glob("*-W*/*.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        html = meta_path.with_suffix(".html")
        if meta.get("kind") not in KINDS or not html.is_file():
            continue
        pdf = meta_path.with_suffix(".pdf")
        found.append(ReportEntry(str(meta.get("week") or meta_path.parent.name), meta["kind"], str(meta.get("id")), html,
                                 pdf if pdf.is_file() else None))
    found.sort(key=lambda e: (_neg_week(e.week), KINDS.index(e.kind), e.id))
    return found


def _neg_week(week: str) -> tuple[int, int]:
    m = re.match(r"^(\d{4})-W(\d{2})$", week)
    return (-int(m[1]), -int(m[2])) if m else (0, 0)
