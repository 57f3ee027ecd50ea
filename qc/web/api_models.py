"""The v1 API's response and request bodies: what the OpenAPI document tells a client about every field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Optional

from pydantic import BaseModel, Field


class ApiError(BaseModel):
    error: str = Field(description="What went wrong, in words for the person reading the client's log.")
    code: str = Field(description="A stable word for programs: unauthorized, forbidden, not_found, invalid_request, "
                                  "bad_cursor, conflict, busy.")
    fields: list[str] = Field(default_factory=list, description="For invalid_request: the parameters at fault.")


class Evidence(BaseModel):
    start_s: Optional[float] = Field(None, description="Where in the call the evidence starts (seconds).")
    end_s: Optional[float] = None
    role: Optional[str] = Field(None, description="agent, caller or unknown.")
    matched: Optional[str] = Field(None, description="The phrase or rule that matched.")
    text: Optional[str] = Field(None, description="The utterance it was found in (redacted).")


class CallSummary(BaseModel):
    call_id: str = Field(description="Content hash of the recording (24 hex): the call's identity.")
    change_seq: int = Field(description="Change number: grows with every write of the call (scoring, re-scoring, review).")
    file_name: Optional[str] = None
    line: Optional[str] = Field(None, description="Hotline line id (12345, 1823, 12320...).")
    agent_id: Optional[str] = None
    team: Optional[str] = Field(None, description="The agent's team, from the agents register.")
    started_at: Optional[datetime] = Field(None, description="When the recording started (recorder's clock).")
    scored_at: datetime = Field(description="When the pipeline stored the result (UTC).")
    duration_s: Optional[float] = None
    language: Optional[str] = None
    status: Literal["scored", "failed"]
    failure_stage: Optional[str] = None
    failure_reason: Optional[str] = None
    speakers_status: Optional[str] = Field(None, description="channels, diarized or unresolved.")
    warnings: list[str] = Field(default_factory=list)
    rubric_id: Optional[str] = None
    rubric_version: Optional[str] = None
    score: Optional[float] = Field(None, description="The machine's score, 0-100.")
    final_score: Optional[float] = Field(None, description="The latest reviewer's score, else the machine's.")
    reviewed: bool = Field(description="A reviewer has given a verdict on an item (calibration not counted).")
    flags: list[str] = Field(default_factory=list, description="Rubric items the call failed.")
    case_type: Optional[str] = None
    case_title: Optional[str] = None
    urgency: Optional[str] = Field(None, description="urgent (特急) or normal.")
    repeat_count: Optional[int] = None
    repeat_level: Optional[str] = Field(None, description="orange (2nd call about the same case) or red (3rd or later).")
    agent_arousal: Optional[float] = Field(None, description="Tone, 0-1 against the agent's own baseline.")
    agent_negativity: Optional[float] = None
    caller_distress: Optional[float] = None
    caller_anger: Optional[float] = None


class CallPage(BaseModel):
    data: list[CallSummary]
    next_cursor: str = Field(description="Pass as ?cursor= with the same filters for the next page, now or at the next sync.")
    has_more: bool = Field(description="More calls matched beyond this page at the time of the request.")


class Utterance(BaseModel):
    idx: int
    speaker: Optional[str] = None
    role: Optional[str] = Field(None, description="agent, caller or unknown.")
    channel: Optional[int] = None
    start_s: Optional[float] = None
    end_s: Optional[float] = None
    text: Optional[str] = Field(None, description="Redacted (placeholders such as [手机号]) unless raw was asked and allowed.")


class Verdict(BaseModel):
    item_id: str
    title: Optional[str] = None
    verdict: Literal["pass", "fail", "na"] = Field(description="The machine's verdict.")
    human_verdict: Optional[Literal["pass", "fail", "na"]] = Field(None, description="The latest reviewer's verdict, if any.")
    points: Optional[float] = None
    max_points: Optional[float] = None
    severity: Optional[str] = None
    reason: Optional[str] = None
    evidence: list[Evidence] = Field(default_factory=list)


class Alert(BaseModel):
    kind: str = Field(description="urgent_case, critical_fail, caller_distress, possible_crisis, agent_* ...")
    severity: str
    start_s: Optional[float] = None
    message: Optional[str] = None
    evidence: list[Evidence] = Field(default_factory=list)
    raised_at: Optional[datetime] = None


class UtteranceTone(BaseModel):
    idx: int
    role: Optional[str] = None
    start_s: Optional[float] = None
    end_s: Optional[float] = None
    arousal: Optional[float] = None
    negativity: Optional[float] = None
    baseline_source: Optional[str] = Field(None, description="agent, team, in_call or none.")
    cues: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class Review(BaseModel):
    review_id: str
    item_id: str
    reviewer: str
    purpose: Literal["review", "calibration", "appeal"]
    machine_verdict: Optional[str] = None
    human_verdict: Literal["pass", "fail", "na"]
    comment: Optional[str] = None
    reviewed_at: datetime


class CallDetail(CallSummary):
    raw: bool = Field(description="True when the texts are unredacted (read audited).")
    utterances: list[Utterance]
    verdicts: list[Verdict]
    alerts: list[Alert]
    tone: list[UtteranceTone]
    reviews: list[Review]


class ReviewIn(BaseModel):
    item_id: str = Field(min_length=1, max_length=200)
    verdict: Literal["pass", "fail", "na"]
    comment: str = Field("", max_length=2000)
    purpose: Literal["review", "calibration", "appeal"] = "review"
    appeal_id: Optional[str] = Field(None, description="With purpose appeal: the accepted appeal this re-scoring closes.")


class ReviewOut(BaseModel):
    call_id: str
    item_id: str
    verdict: Literal["pass", "fail", "na"]
    reviewer: str
    final_score: Optional[float] = Field(None, description="The call's score after this review (none for calibration).")
    change_seq: int


class AlertRow(Alert):
    call_id: str
    change_seq: int
    line: Optional[str] = None
    agent_id: Optional[str] = None


class AlertPage(BaseModel):
    data: list[AlertRow]
    next_cursor: str
    has_more: bool


class Run(BaseModel):
    run_id: str
    kind: Optional[str] = Field(None, description="nightly or score.")
    recordings_date: Optional[date] = None
    source: Optional[str] = None
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    scored: Optional[int] = None
    failed: Optional[int] = None
    skipped: Optional[int] = None
    still_writing: Optional[int] = None
    audio_hours: Optional[float] = None
    wall_seconds: Optional[float] = None
    audio_hours_per_hour: Optional[float] = None
    workers: Optional[str] = None
    pipeline_version: Optional[str] = None


class RunList(BaseModel):
    data: list[Run]


class AgentWeek(BaseModel):
    week: str = Field(description="ISO week of the recording (scoring time if the start is unknown), YYYY-Www.")
    agent_id: str
    team: Optional[str] = None
    calls: int
    scored: int
    failed: int
    mean_score: Optional[float] = None
    min_score: Optional[float] = None
    flagged: int = Field(description="Calls that failed at least one rubric item.")
    urgent: int
    reviewed: int
    audio_hours: Optional[float] = None


class AgentWeekList(BaseModel):
    data: list[AgentWeek]
