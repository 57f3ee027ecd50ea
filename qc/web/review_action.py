"""One reviewer's verdict on one item of a call, as the call page's form and the v1 API both store it."""

from __future__ import annotations

import duckdb

from qc.accounts import User
from qc.review import ReviewError, close_appeal_rescored, save_review
from qc.store.changes import change_turn, stamp
from qc.web import data
from qc.web.context import PageError, WebContext


def store_review(ctx: WebContext, con: duckdb.DuckDBPyConnection, user: User, call: dict, *, item_id: str, verdict: str,
                 comment: str, purpose: str, appeal_id: str | None) -> tuple[float | None, int]:
    """Save the verdict (and close the appeal it re-scores); the call's new score and change number.

    One transaction, under the store's change turn: the call gets a new change number, so API clients
    syncing calls see the reviewed score.
    """
    items = data.call_items(con, call)
    section_of, weight_of = ctx.rubric_sections(call["line"], call["rubric_id"])
    call_id = call["call_id"]
    with change_turn(ctx.settings.db_path):
        con.begin()
        try:
            score = save_review(con, call_id=call_id, item_id=item_id, verdict=verdict, comment=comment.strip()[:2000],
                                reviewer=user.username, purpose=purpose, items=data.item_verdicts(items, section_of),
                                rubric_id=call["rubric_id"], rubric_version=call["rubric_version"], section_weight=weight_of)
            if purpose == "appeal" and appeal_id:
                close_appeal_rescored(con, appeal_id, user.username, call_id)
            seq = stamp(con, [call_id])
            con.commit()
        except ReviewError as exc:
            con.rollback()
            raise PageError(400, str(exc)) from exc
        except BaseException:
            con.rollback()
            raise
    return score, seq
