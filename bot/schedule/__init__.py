"""Scheduled publishing: the due rule, the run ledger, the APScheduler service, status.

* ``bot.ledger`` (not here: every run is recorded, manual ones too) — the run ledger.
* ``due_check`` — what is due; ``DueRunner.run(trigger)`` performs one due-check run.
* ``service`` — ``ScheduleService``: cron slots, catch-up, due-watch, retries, signals.
* ``status``  — ``collect_status`` for `bot status`.
"""

from .due_check import DueRunner, RunResult, due_at, is_due
from ..ledger.recorder import record_run
from ..ledger.runs import RunInterrupted
from ..ledger.sqlite import Ledger  # Ledger: the SQLite store (bot.ledger.backend picks one)
from .service import MISFIRE_GRACE_TIME, ScheduleService, next_fire_times

__all__ = [
    "DueRunner",
    "Ledger",
    "MISFIRE_GRACE_TIME",
    "RunInterrupted",
    "RunResult",
    "ScheduleService",
    "due_at",
    "is_due",
    "next_fire_times",
    "record_run",
]
