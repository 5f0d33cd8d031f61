"""A throwaway PostgreSQL for the tests that need one (the shared ledger and lock).

`server_url()` answers, in this order:
* TEST_POSTGRES_URL, when set (CI's .ci/run starts a server and sets it);
* otherwise a server of its own, when PostgreSQL's binaries are installed (initdb, pg_ctl):
  a new cluster in a temp dir, listening only on a unix socket there, trust authentication,
  stopped at exit. As root it runs as the `postgres` user (PostgreSQL refuses to run as root);
* otherwise None: the tests skip, saying why — except under CI=true, where they fail.

Each test gets a database of its own (`fresh_database`).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

UNPRIVILEGED_USER = "postgres"
_started: dict[str, str | None] = {}


def bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def why_not() -> str:
    return (
        "no PostgreSQL server for the shared-ledger tests: set TEST_POSTGRES_URL=postgresql://… "
        "or install PostgreSQL (apt-get install postgresql: the tests start a throwaway server with initdb/pg_ctl)"
    )


def server_url() -> str | None:
    """The admin URL of a server the tests may create databases on, or None."""
    if "url" not in _started:
        _started["url"] = os.environ.get("TEST_POSTGRES_URL") or _start_own()
    return _started["url"]


def _start_own() -> str | None:
    bins = bin_dir()
    if bins is None:
        return None
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            return None
        run_as = ["runuser", "-u", UNPRIVILEGED_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="botpg-"))
    data = root / "data"
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    os.chmod(root, 0o755)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    init = subprocess.run(
        [*run_as, str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        **quiet,
    )
    if init.returncode:
        raise RuntimeError(f"initdb failed: {init.stderr}")
    options = f"-k {root} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    start = subprocess.run(
        [
            *run_as,
            str(bins / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        **quiet,
    )
    if start.returncode:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {start.stderr}\n{log}")

    def stop() -> None:
        subprocess.run(
            [*run_as, str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://postgres@/postgres?host={root}&port=5432"


def fresh_database(admin_url: str) -> tuple[str, callable]:
    """(URL of a new empty database on the server, a function that drops it)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = conninfo_to_dict(admin_url)
    parts["dbname"] = name
    url = _as_url(parts)

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def _as_url(parts: dict) -> str:
    """conninfo parts -> a postgresql:// URL (BOT_DATABASE_URL takes URLs)."""
    from urllib.parse import quote, urlencode

    user = quote(parts.get("user", ""))
    password = f":{quote(parts['password'])}" if parts.get("password") else ""
    host = parts.get("host", "")
    query = {k: v for k, v in parts.items() if k not in ("user", "password", "dbname", "host", "port")}
    netloc_host = "" if host.startswith("/") else host
    if host.startswith("/"):
        query["host"] = host
    port = parts.get("port")
    if port and host.startswith("/"):
        query["port"] = port
        port = None
    netloc = f"{user}{password}@{netloc_host}" + (f":{port}" if port else "")
    suffix = f"?{urlencode(query)}" if query else ""
    return f"postgresql://{netloc}/{quote(parts['dbname'])}{suffix}"
