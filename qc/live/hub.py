"""Fan-out of live events to browsers (server-sent events), with replay for those that reconnect.

Every event has a rising id. A desktop that drops off and comes back sends the last id it saw
(``Last-Event-ID``) and receives everything after it: from memory, or, for alerts older than the
memory holds (or from before a restart), from the database.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import AsyncIterator, Callable

Audience = Callable[["Event"], bool]


@dataclass(frozen=True)
class Event:
    id: int
    type: str  # alert | call | ack
    agent_id: str | None
    data: dict


class Hub:
    def __init__(self, first_id: int = 1, keep: int = 5000, queue_size: int = 1000):
        self._next = first_id
        self._events: deque[Event] = deque(maxlen=keep)
        self._subscribers: list[tuple[Audience, asyncio.Queue[Event]]] = []
        self._queue_size = queue_size

    @property
    def last_id(self) -> int:
        return self._next - 1

    def continue_after(self, stored_id: int) -> None:
        """Ids go on after the highest one already stored (a restarted server must not reuse them)."""
        self._next = max(self._next, stored_id + 1)

    def next_id(self) -> int:
        """Reserve an id (alerts take theirs before they are stored, so the store and the stream agree)."""
        self._next += 1
        return self._next - 1

    def publish(self, type: str, data: dict, agent_id: str | None = None, event_id: int | None = None) -> Event:
        """Send to every subscriber it concerns. Call from the event loop's thread."""
        event = Event(event_id if event_id is not None else self.next_id(), type, agent_id, {**data})
        self._events.append(event)
        for audience, queue in list(self._subscribers):
            if audience(event):
                if queue.full():  # a stuck browser must not hold memory: it will replay on reconnect
                    queue.get_nowait()
                queue.put_nowait(event)
        return event

    def replay(self, after_id: int, audience: Audience) -> tuple[list[Event], bool]:
        """Events after ``after_id`` still in memory, and whether memory reaches back that far."""
        held = [e for e in self._events if e.id > after_id and audience(e)]
        complete = not self._events or self._events[0].id <= after_id + 1
        return held, complete

    async def stream(self, audience: Audience, after_id: int | None,
                     older: Callable[[int, int], list[Event]] | None = None, heartbeat_s: float = 15.0) -> AsyncIterator[Event | None]:
        """Missed events first, then live ones; ``None`` now and then as a keep-alive."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        entry = (audience, queue)
        self._subscribers.append(entry)
        try:
            if after_id is not None:
                held, complete = self.replay(after_id, audience)
                if not complete and older is not None:
                    first_held = self._events[0].id if self._events else self._next
                    # The store is read on a worker thread: the event loop serves everyone else meanwhile.
                    for event in await asyncio.to_thread(older, after_id, first_held):
                        if audience(event):
                            yield event
                for event in held:
                    yield event
                seen = held[-1].id if held else after_id
            else:
                seen = self.last_id
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), heartbeat_s)
                except asyncio.TimeoutError:
                    yield None
                    continue
                if event.id > seen:
                    seen = event.id
                    yield event
        finally:
            self._subscribers.remove(entry)
