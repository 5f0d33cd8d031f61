"""One object hears what a publish does, instead of a callback per event.

`Observer`'s methods do nothing (warnings are logged): a caller overrides the ones it needs —
the command line's progress bar, the plan kept for `--json` when a run fails, the scheduler's
log — and passes one object to `run_publish` (or to the engine's `Publisher`). `Relay` passes
every event on to another observer, for a run that watches events itself (bot.engine.run
tracks where an interrupted run was) and still tells its caller.
"""

from __future__ import annotations

import logging

log = logging.getLogger("bot")


class Observer:
    """Events of a publish, in the order they come. Every method may be left as it is."""

    # ---- the run (bot.engine.run)
    def on_run_started(self, recorder) -> None:
        """The ledger holds the run (a recorded run only): `recorder.id` is its number."""

    def on_session(self, session) -> None:
        """The Notion session is open, before its first request (e.g. to set hooks on its API)."""

    def on_warning(self, message: str) -> None:
        """Trouble with the run ledger; a damaged or unwritable ledger never stops a publish."""
        log.warning("%s", message)

    # ---- the engine (bot.engine.publish)
    def on_phase(self, name: str, total: int) -> None:
        """ "planning", then "applying" (not in a dry run), with how many variants it covers."""

    def on_progress(self, message: str) -> None:
        """A line of commentary (what a page is doing, a twin healed, an outcome reconciled)."""

    def on_variant_done(self, slug: str) -> None:
        """Once per variant planned, and once per variant applied (or skipped)."""

    def on_planned(self, results: list) -> None:
        """A week's plan (its `VariantResult`s), before anything of it is written."""

    def on_variant_start(self, variant) -> None:
        """A variant starts being applied."""

    def on_variant_applied(self, result) -> None:
        """A variant was applied (or skipped): its `VariantResult`."""


class Relay(Observer):
    """Passes every event on to `inner` (another observer, or none)."""

    def __init__(self, inner: Observer | None = None):
        self.inner = inner or Observer()

    def on_run_started(self, recorder) -> None:
        self.inner.on_run_started(recorder)

    def on_session(self, session) -> None:
        self.inner.on_session(session)

    def on_warning(self, message: str) -> None:
        self.inner.on_warning(message)

    def on_phase(self, name: str, total: int) -> None:
        self.inner.on_phase(name, total)

    def on_progress(self, message: str) -> None:
        self.inner.on_progress(message)

    def on_variant_done(self, slug: str) -> None:
        self.inner.on_variant_done(slug)

    def on_planned(self, results: list) -> None:
        self.inner.on_planned(results)

    def on_variant_start(self, variant) -> None:
        self.inner.on_variant_start(variant)

    def on_variant_applied(self, result) -> None:
        self.inner.on_variant_applied(result)
