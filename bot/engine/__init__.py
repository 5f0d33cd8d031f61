"""The publishing engine, by stage: read live state (`reader`), plan (`plan`, pure), apply
(`apply`), link (`links`), with `publish` orchestrating them and `run` the one way to run a
publish (lock → read → session → engine → ledger). One `observer.Observer` hears what a run
does (progress, the plan, each page, the ledger's run). README → Layout.

Nothing is imported here: `import bot.engine.plan` must not load the engine's I/O.
"""
