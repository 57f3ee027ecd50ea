"""The words of a coaching report, in the language of the line it is about.

Mainland lines (12345, 12320) read Simplified Chinese; Hong Kong's 1823 reads Traditional Chinese with
Hong Kong variants (the Simplified labels through OpenCC ``s2hk``); English-language seats read English.
Only the report's own labels are converted: names, rubric titles and transcript words stay as stored.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Mapping

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "zh-HK", "en")

_ZH = {
    "agent_report": "坐席辅导报告",
    "team_report": "班组辅导报告",
    "week": "周次",
    "agent": "坐席",
    "team": "班组",
    "line": "热线",
    "calls": "通话数",
    "mean_score": "平均得分",
    "score": "得分",
    "team_mean": "班组平均",
    "centre_mean": "中心平均",
    "line_mean": "本热线平均",
    "previous_week": "上周",
    "change": "较上周",
    "rank": "班组排名",
    "summary": "本周概况",
    "score_trend": "得分趋势",
    "item_rates": "各评分项通过率（对比{peer}）",
    "vs_team": "班组",
    "vs_line": "本热线",
    "vs_centre": "中心",
    "item": "评分项",
    "pass_rate": "通过率",
    "passed": "通过",
    "failed": "未通过",
    "difference": "差值",
    "weakest": "最需改进的三项",
    "examples": "示例录音",
    "open_call": "打开通话",
    "reason": "原因",
    "reviewed": "已人工复核",
    "no_evidence": "未找到相关话语",
    "strengths": "优势项",
    "tone_alerts": "语气预警",
    "tone_trend": "每周语气预警数",
    "alerts": "预警数",
    "at": "时间",
    "kind": "类型",
    "severity": "级别",
    "message": "说明",
    "none": "无",
    "no_weak_items": "本周所有评分项均已通过。",
    "agents_overview": "坐席概况",
    "agent_scores": "本周各坐席平均得分",
    "weakest_item": "最弱项",
    "agent_report_link": "个人报告",
    "generated": "生成时间",
    "unregistered": "未登记",
    "role_agent": "坐席",
    "role_caller": "市民",
    "role_unknown": "未知",
    "kind_agent_agitated": "语气激动",
    "kind_agent_impatient_words": "不耐烦用语",
    "severity_high": "高",
    "severity_critical": "严重",
    "severity_normal": "一般",
    "footer": "评分以最终结果为准：人工复核的结论优先于机器评分。",
}

_EN = {
    "agent_report": "Agent coaching report",
    "team_report": "Team coaching report",
    "week": "Week",
    "agent": "Agent",
    "team": "Team",
    "line": "Line",
    "calls": "Calls",
    "mean_score": "Mean score",
    "score": "Score",
    "team_mean": "Team mean",
    "centre_mean": "Centre mean",
    "line_mean": "Line mean",
    "previous_week": "Last week",
    "change": "vs last week",
    "rank": "Rank in team",
    "summary": "This week",
    "score_trend": "Score trend",
    "item_rates": "Pass rate per rubric item (against {peer})",
    "vs_team": "the team",
    "vs_line": "the line",
    "vs_centre": "the centre",
    "item": "Rubric item",
    "pass_rate": "Pass rate",
    "passed": "Passed",
    "failed": "Failed",
    "difference": "Difference",
    "weakest": "Three items to work on",
    "examples": "Example calls",
    "open_call": "Open call",
    "reason": "Reason",
    "reviewed": "reviewed by an inspector",
    "no_evidence": "no matching words found",
    "strengths": "Strengths",
    "tone_alerts": "Tone alerts",
    "tone_trend": "Tone alerts per week",
    "alerts": "Alerts",
    "at": "Time",
    "kind": "Kind",
    "severity": "Severity",
    "message": "Message",
    "none": "None",
    "no_weak_items": "Every rubric item passed this week.",
    "agents_overview": "Agents",
    "agent_scores": "Mean score per agent this week",
    "weakest_item": "Weakest item",
    "agent_report_link": "Agent report",
    "generated": "Generated",
    "unregistered": "not registered",
    "role_agent": "agent",
    "role_caller": "caller",
    "role_unknown": "unknown",
    "kind_agent_agitated": "agitated tone",
    "kind_agent_impatient_words": "impatient words",
    "severity_high": "high",
    "severity_critical": "critical",
    "severity_normal": "normal",
    "footer": "Scores are final: an inspector's review takes precedence over the machine's verdict.",
}


@lru_cache(maxsize=None)
def labels(lang: str) -> Mapping[str, str]:
    if lang == "en":
        return _EN
    if lang == "zh-HK":
        import opencc

        convert = opencc.OpenCC("s2hk").convert
        return {key: convert(text) for key, text in _ZH.items()}
    if lang == "zh":
        return _ZH
    raise ValueError(f"report language '{lang}' is not one of {', '.join(LANGUAGES)}")


def report_language(line: str | None, lines: Mapping[str, object] | None = None) -> str:
    """The language for a report about calls of ``line``, from the line's settings (LineConfig)."""
    if lines is None:
        from qc.config import Settings

        lines = Settings.model_fields["lines"].default
    config = lines.get(line) if line else None
    if config is None:
        return "en" if line and line.endswith("-en") else "zh"
    if getattr(config, "language", None) == "en":
        return "en"
    return "zh-HK" if getattr(config, "script", None) == "s2hk" else "zh"


def item_title(title: str | None, lang: str) -> str:
    """Rubric titles are written 'Chinese / English': the half for this report."""
    if not title:
        return ""
    if " / " not in title:
        return title
    zh, en = title.split(" / ", 1)
    return en.strip() if lang == "en" else zh.strip()
