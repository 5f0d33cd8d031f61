"""`bot status`: source state vs. what was last published vs. what Notion holds, plus health."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from ..clock import SYSTEM_CLOCK, Clock
from ..errors import BotError
from ..settings import Settings
from ..ledger.backend import open_ledger
from ..due_rule import due_at, is_due, waiting_until
from ..ledger.runs import LedgerError, content_hash
from .service import next_fire_times


def collect_status(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    remote: bool = True,
    runs: int = 5,
    session_factory: Callable | None = None,
    series: list[str] | None = None,
) -> dict:
    from ..engine.publish import group_by_week
    from ..series_registry import read_content

    zone = settings.zone
    now = clock.now()
    out: dict = {"now": now.astimezone(zone).isoformat(timespec="seconds"), "problems": []}

    try:
        nxt = next_fire_times(settings.bot_schedule, zone, now, 1)
        next_run = nxt[0].isoformat(timespec="seconds") if nxt else None
    except BotError as exc:
        next_run = None
        out["problems"].append(str(exc))
    out["schedule"] = {"cron": settings.bot_schedule, "timezone": zone.key, "next_run": next_run, "next_due": None}

    published = _ledger_view(settings, clock, runs, out)

    missing = settings.missing_sources()
    if missing:  # not the newsletter's folder (or a wrong setting): nothing to read or plan
        out["problems"].extend(missing)
        out["variants"] = []
        return with_health_verdict(out)
    try:
        variants = read_content(settings)
        if series is not None:
            variants = [v for v in variants if v.front.series in series]
    except BotError as exc:
        out["problems"].append(str(exc))
        out["variants"] = []
        return with_health_verdict(out)
    waiting = waiting_until(variants, now, zone)
    if waiting:
        out["schedule"]["next_due"] = {"slug": waiting[0][1].slug, "at": waiting[0][0].isoformat(timespec="seconds")}

    plans: dict[str, dict] = {}
    if remote:
        plans = _remote(settings, clock, variants, session_factory, out["problems"])

    rows = []
    for group in group_by_week(variants):
        for v in group:
            moment = due_at(v, zone)
            due = is_due(v, now, zone)
            last = published.get(v.slug)
            row = {
                "series": v.front.series,
                "week": v.week,
                "lang": v.lang,
                "slug": v.slug,
                "path": str(v.path),
                "status": v.front.status,
                "date": str(v.front.date),
                "due": due,
                "waiting_until": None if due else moment.isoformat(timespec="seconds"),
                "last_published": None,
                "remote": plans.get(v.slug),
            }
            if last:
                row["last_published"] = {
                    "run_id": last.run_id,
                    "at": last.run_started_at.astimezone(zone).isoformat(timespec="seconds")
                    if last.run_started_at
                    else None,
                    "action": last.action,
                    "page_id": last.page_id,
                    "url": last.url,
                    "source_changed_since": bool(last.content_sha256) and last.content_sha256 != content_hash(v.path),
                }
            rows.append(row)
    out["variants"] = rows
    out["translations"] = translation_lag(rows)
    return with_health_verdict(out)


def with_health_verdict(out: dict) -> dict:
    """`health.ok` and `health.issues`: everything that needs a person — a problem (no
    content, no mapping, a damaged ledger, Notion unreachable), due-check runs that failed in
    a row, the newest run not succeeding, a week Notion cannot plan, drift. `Health: ok` only
    when there is none of them."""
    health = out["health"]
    issues = list(out.get("problems", []))
    if health.get("consecutive_failures"):
        issues.append(f"the last {health['consecutive_failures']} scheduled run(s) did not succeed")
    newest = (out.get("runs") or [None])[0]
    if (
        newest
        and newest["outcome"] not in ("success", "already-done", "running")
        and not health.get("consecutive_failures")
    ):
        issues.append(
            f"the last run (#{newest['id']}, {newest['trigger']}) ended {newest['outcome']}"
            + (f": {_first_line(newest['error'])}" if newest.get("error") else "")
        )
    for v in out.get("variants", []):
        remote = v.get("remote") or {}
        if remote.get("error"):
            issues.append(f"{v['slug']}: Notion: {_first_line(remote['error'])}")
        elif remote.get("drift"):
            issues.append(f"{v['slug']}: edited in Notion (drift): {remote['drift']}")
    if "variants" in out and not out["variants"] and not out.get("problems"):
        issues.append("no content to publish (no variants under BOT_CONTENT_DIR)")
    health["issues"] = issues
    health["ok"] = not issues and not health.get("ledger_error")
    return out


def translation_lag(rows: list[dict]) -> list[dict]:
    """Weeks where one variant's source changed since it was last published and the other's
    did not (the ledger keeps each published file's sha256): the translation may lag behind."""
    weeks: dict[str, dict[str, dict]] = {}
    for row in rows:
        weeks.setdefault(row["slug"].replace(f"-{row['lang']}-", "-", 1), {})[row["lang"]] = row
    out = []
    for by_lang in weeks.values():
        if len(by_lang) < 2 or not all(r["last_published"] for r in by_lang.values()):
            continue
        changed = [lang for lang, r in by_lang.items() if r["last_published"]["source_changed_since"]]
        if len(changed) != 1:
            continue
        behind = next(lang for lang in by_lang if lang != changed[0])
        ahead, lagging = by_lang[changed[0]], by_lang[behind]
        out.append(
            {
                "week": ahead["week"],
                "changed": changed[0],
                "changed_path": ahead["path"],
                "changed_since_run": ahead["last_published"]["run_id"],
                "unchanged": behind,
                "unchanged_path": lagging["path"],
                "unchanged_since_run": lagging["last_published"]["run_id"],
            }
        )
    return out


def _ledger_view(settings, clock, runs: int, out: dict) -> dict:
    """Health and the last runs from the ledger (read only: `bot status` writes nothing);
    returns slug -> last published entry. An unreadable ledger is a problem, not a failure."""
    out["health"] = {"consecutive_failures": 0, "last_success": None, "last_error": None}
    out["runs"] = []
    try:
        ledger = open_ledger(settings, clock, read_only=True)
        recent = ledger.runs(limit=runs)
        failures = ledger.consecutive_failures()
        last_success = next((r for r in ledger.runs(limit=200) if r.outcome == "success"), None)
        published = ledger.last_published()
    except LedgerError as exc:
        out["health"]["ledger_error"] = str(exc)
        out["problems"].append(f"{exc} (health and last runs unknown)" + (f"; {exc.hint}" if exc.hint else ""))
        return {}
    out["health"] = {
        "consecutive_failures": failures,
        "last_success": last_success.started_at.astimezone(settings.zone).isoformat(timespec="seconds")
        if last_success
        else None,
        "last_error": next((r.error for r in recent if r.outcome != "success" and r.error), None) if failures else None,
    }
    out["runs"] = [_run_brief(r, settings.zone) for r in recent]
    return published


def _remote(settings, clock, variants, session_factory, problems: list[str]) -> dict[str, dict]:
    """A dry-run plan per variant (reads only, no lock, not recorded): page id/url and
    pending/unchanged; a week that cannot be planned shows its error."""
    from ..engine.publish import PublishOptions, group_by_week
    from ..engine.run import PublishRequest, run_publish

    plans: dict[str, dict] = {}
    try:
        run = run_publish(
            settings,
            PublishRequest(
                lambda content, rec: group_by_week(variants),
                variants=variants,
                clock=clock,
                session_factory=session_factory,
                isolate=(BotError,),
            ),
            PublishOptions(dry_run=True),
        )
    except BotError as exc:
        problems.append(f"Notion: {exc}")
        return plans
    for failure in run.failures:
        for v in failure.group:
            plans[v.slug] = {"error": str(failure.error)}
    for result in run.results:
        plan = result.plan
        plans[plan.slug] = {
            "page_id": plan.page_id,
            "url": plan.url,
            "plan": plan.action,  # create / update / unchanged
            "changes": len(plan.property_changes) + len(plan.block_ops),
            "drift": plan.drift.describe() if plan.drift else None,
        }
    return plans


def _run_brief(r, zone) -> dict:
    return {
        "id": r.id,
        "trigger": r.trigger,
        "started_at": r.started_at.astimezone(zone).isoformat(timespec="seconds"),
        "duration_s": r.duration,
        "outcome": r.outcome,
        "series": r.series,
        "actions": r.actions(),
        "writes": r.writes,
        "error": r.error,
    }


# ---------------------------------------------------------------------- text
def _short(iso: str | None) -> str:
    if not iso:
        return "-"
    dt = datetime.fromisoformat(iso)
    return dt.strftime("%Y-%m-%d %H:%M")


def status_text(data: dict) -> str:
    lines = []
    sched = data["schedule"]
    line = f"Schedule: '{sched['cron']}' in {sched['timezone']}; next run {_short(sched['next_run'])}"
    if sched.get("next_due"):
        line += f"; next date: {sched['next_due']['slug']} at {_short(sched['next_due']['at'])}"
    lines.append(line)
    health = data["health"]
    if health.get("ledger_error"):
        lines.append("Health: unknown (the run ledger cannot be read: see the problem below)")
    elif health["consecutive_failures"]:
        lines.append(
            f"ATTENTION: the last {health['consecutive_failures']} run(s) did not succeed (last success: {_short(health['last_success'])})"
        )
        if health.get("last_error"):
            lines.append(f"  last error: {health['last_error'].splitlines()[0]}")
    elif health.get("ok", True):
        lines.append(f"Health: ok (last success: {_short(health['last_success'])})")
    else:
        lines.append(
            f"Health: ATTENTION — {len(health['issues'])} issue(s) (last success: {_short(health['last_success'])})"
        )
        lines.extend(f"  {issue}" for issue in health["issues"] if issue not in data.get("problems", []))
    for problem in data.get("problems", []):
        lines.append(f"problem: {problem}")
    lines.append("")
    rows = [("WEEK", "LANG", "SERIES", "STATUS", "DATE", "SOURCE", "LAST PUBLISHED", "NOTION")]
    for v in data["variants"]:
        source = "due" if v["due"] else f"waits until {_short(v['waiting_until'])}"
        last = v["last_published"]
        if last:
            published = f"#{last['run_id']} {_short(last['at'])} {last['action']}"
            if last["source_changed_since"]:
                published += "*"
        else:
            published = "never"
        remote = v.get("remote")
        if remote is None:
            notion = "(not checked)"
        elif "error" in remote:
            notion = f"error: {_first_line(remote['error'])}"
        else:
            state = {
                "create": "no page yet",
                "update": f"{remote['changes']} change(s) pending",
                "unchanged": "up to date",
            }[remote["plan"]]
            if remote.get("drift"):
                state += f", DRIFT: {remote['drift']}"
            notion = state + (f"  {remote['url']}" if remote.get("url") else "")
        rows.append((v["week"], v["lang"], v["series"], v["status"], v["date"][:16], source, published, notion))
    lines.extend(aligned(rows))
    if any(v["last_published"] and v["last_published"]["source_changed_since"] for v in data["variants"]):
        lines.append("* the source file changed since it was last published")
    for lag in data.get("translations", []):
        lines.append(
            f"! {lag['week']}: {lag['changed']} changed since it was last published (run #{lag['changed_since_run']}), "
            f"{lag['unchanged']} did not (published in run #{lag['unchanged_since_run']}): does {lag['unchanged_path']} need the same change?"
        )
    lines.append("")
    lines.append("Last runs:")
    if not data["runs"]:
        lines.append("  (none recorded)")
    for r in data["runs"]:
        actions = ", ".join(f"{n} {a}" for a, n in sorted(r["actions"].items())) or "-"
        text = f"  #{r['id']:<4} {_short(r['started_at'])} {r['trigger']:9} {r['outcome']:14} {actions}"
        if r["error"] and r["outcome"] != "success":
            text += f" — {_first_line(r['error'])}"
        lines.append(text)
    return "\n".join(lines)


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns as wide as their widest cell (the last one is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [" ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip() for row in rows]


def _first_line(text: str, width: int = 120) -> str:
    """An error's first line, shortened at a word boundary (never mid-word)."""
    import textwrap

    return textwrap.shorten(text.splitlines()[0] if text else "", width=width, placeholder=" …")


def runs_text(rows, zone) -> str:
    if not rows:
        return "no runs recorded yet"
    named = {r.id: ",".join(r.series) or "-" for r in rows}
    wide = max(len("SERIES"), *(len(n) for n in named.values()))  # as wide as the widest
    lines = [
        f"{'ID':>4}  {'TRIGGER':9} {'STARTED':19} {'TOOK':>6}  {'OUTCOME':14} {'REQUESTS':14} {'SERIES':{wide}} VARIANTS"
    ]
    for r in rows:
        took = f"{r.duration:.1f}s" if r.duration is not None else "-"
        actions = ", ".join(f"{n} {a}" for a, n in sorted(r.actions().items())) or "-"
        started = r.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"{r.id:>4}  {r.trigger:9} {started:19} {took:>6}  {r.outcome:14} {f'{r.reads}r {r.writes}w':14} {named[r.id]:{wide}} {actions}"
        )
        if r.error and r.outcome != "success":
            for err_line in r.error.splitlines()[:3]:
                lines.append(f"      error: {err_line}")
        elif r.error:
            lines.append(f"      note: {r.error.splitlines()[0]}")
    return "\n".join(lines)
