"""Backup and restore drill (docs/operations.md, "Backup and restore").

A backup is a directory of three files:

* ``database.dump``: ``pg_dump --format=custom`` of the trial database;
* ``media.tar.gz``: the uploaded files (``MEDIA_ROOT``, and ``LAB_IMPORT_ROOT`` when it lies
  outside it);
* ``manifest.json``, written last (a directory without it is not a backup): SHA-256 and size of
  both files and of every archived file, the row count of every table, the applied Django
  migrations, the PostgreSQL snapshot and the time.

The counts and the dump come from one snapshot: a ``REPEATABLE READ`` transaction exports its
snapshot (``pg_export_snapshot()``), counts every table, and ``pg_dump --snapshot`` dumps that
very snapshot while the transaction stays open, so the counts match the dump exactly even while
the trial keeps writing. The files are archived after the snapshot: a file is written before
the row that names it commits, so every file the dump refers to is in the archive.

The restore drill (:func:`restore_drill`) restores a backup into a new database with a unique
name and proves the backup is usable: checksums, row counts of every table, the audit trail
(history rows per table, and its hash chains verify: edc.audit.chain), the migrations against
the code, the append-only triggers, the archived files, and that the application serves from
the restored database (a real gunicorn process: the login page, then pages of an existing user
with a real session).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from psycopg import sql

from edc.audit.append_only import append_only_tables, history_tables
from edc.audit.chain import verify_cursor
from edc.audit.models import AuditChainLink

from .storage import TEMPORARY_PREFIX

FORMAT = 1
DUMP_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
DRILL_PREFIX = "edc_drill_"
TRIGGER_NAME = "edc_audit_append_only"
SERVE_TIMEOUT = 60  # seconds for gunicorn to answer
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup could not be made (a tool failed, the target directory is not empty…)."""


# --- The database server ------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Connection parameters of one database of ``settings.DATABASES``."""

    alias: str
    dbname: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, alias: str) -> Target:
        db = settings.DATABASES[alias]
        if not db["ENGINE"].endswith("postgresql"):
            raise BackupError(f"Database {alias!r} is not PostgreSQL: backups need pg_dump.")
        django_only = {"pool", "isolation_level", "server_side_binding", "assume_role"}
        libpq_options = {
            k: str(v) for k, v in (db.get("OPTIONS") or {}).items() if k not in django_only
        }
        return cls(
            alias=alias,
            dbname=db["NAME"],
            user=db.get("USER") or "",
            password=db.get("PASSWORD") or "",
            host=db.get("HOST") or "",
            port=str(db.get("PORT") or ""),
            options=libpq_options,
        )

    def for_database(self, dbname: str) -> Target:
        return Target(
            self.alias, dbname, self.user, self.password, self.host, self.port, self.options
        )

    def conninfo(self) -> str:
        """libpq connection string without the password (that goes in PGPASSWORD)."""
        params = {"dbname": self.dbname, "user": self.user, "host": self.host, "port": self.port}
        params.update(self.options)
        return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PGPASSWORD", None)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(
            self.conninfo(), password=self.password or None, autocommit=autocommit
        )

    def url(self) -> str:
        """A DATABASE_URL for this database (for the drill's application process)."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        host = self.host or "localhost"
        if host.startswith("/"):  # a Unix socket directory
            location = f"/{quote(self.dbname, safe='')}?host={quote(host, safe='')}"
            return f"postgres://{auth}@{location}"
        port = f":{self.port}" if self.port else ""
        return f"postgres://{auth}@{host}{port}/{quote(self.dbname, safe='')}"


def backup_alias() -> str:
    """The tables' owner (``owner``, set by DATABASE_MIGRATION_URL) when configured."""
    return "owner" if "owner" in settings.DATABASES else DEFAULT_DB_ALIAS


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools are needed).")
    return path


# --- Reading a database -------------------------------------------------------------------------
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
ORDER BY 1, 2
"""


def _label(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def count_rows(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row count of every table (in the connection's current transaction snapshot)."""
    counts = {}
    for schema, table in conn.execute(TABLES_SQL).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        counts[_label(schema, table)] = conn.execute(query).fetchone()[0]
    return counts


def applied_migrations(conn: psycopg.Connection) -> list[list[str]]:
    exists = conn.execute("SELECT to_regclass('django_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return []
    rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()
    return [[app, name] for app, name in rows]


def code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(every migration the code knows, the latest of each app) from the migration graph."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.nodes), set(loader.graph.leaf_nodes())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --- Backup -------------------------------------------------------------------------------------
def file_roots() -> dict[str, Path]:
    """The folders of uploaded files, by their name in the archive."""
    from labs.storage import import_root

    media = Path(settings.MEDIA_ROOT).resolve()
    roots = {"media": media}
    imports = import_root().resolve()
    if not imports.is_relative_to(media):
        roots["lab-imports"] = imports
    return roots


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def archive_files(archive: Path, roots: dict[str, Path]) -> dict[str, str]:
    """Tar (gzip) every file under ``roots``; returns ``{member: sha256}``.

    Half-written uploads (temporary files of the atomic storage) are left out; a file removed
    while the archive is made (a rolled-back upload) is skipped.
    """
    members: dict[str, str] = {}
    with tarfile.open(archive, "w:gz") as tar:
        for label, root in roots.items():
            if not root.is_dir():
                continue
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if path.name.startswith(TEMPORARY_PREFIX):
                    continue
                name = f"{label}/{path.relative_to(root).as_posix()}"
                try:
                    with open(path, "rb") as f:
                        info = tar.gettarinfo(arcname=name, fileobj=f)
                        reader = _HashingReader(f)
                        tar.addfile(info, reader)
                except FileNotFoundError:
                    continue
                members[name] = reader.digest.hexdigest()
    return members


def backup(out: Path, *, alias: str | None = None) -> dict:
    """Write a backup into ``out`` (a new or empty directory); returns the manifest."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise BackupError(f"{out} is not empty: a backup goes into a new, empty directory.")
    target = Target.from_settings(alias or backup_alias())
    dump = out / DUMP_FILE
    started = dt.datetime.now(dt.UTC)
    with target.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        server_version = conn.execute("SHOW server_version").fetchone()[0]
        tables = count_rows(conn)
        migrations = applied_migrations(conn)
        # The exporting transaction stays open until pg_dump has dumped its snapshot.
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={target.conninfo()}",
            ],
            env=target.env(),
            what="pg_dump",
        )
        conn.rollback()
    roots = file_roots()
    media = out / MEDIA_FILE
    members = archive_files(media, roots)
    history = set(history_tables())
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": {
            "name": target.dbname,
            "host": target.host,
            "server_version": server_version,
            "snapshot": snapshot,
        },
        "dump": {"file": DUMP_FILE, "sha256": sha256_of(dump), "bytes": dump.stat().st_size},
        "media": {
            "file": MEDIA_FILE,
            "sha256": sha256_of(media),
            "bytes": media.stat().st_size,
            "roots": {label: str(path) for label, path in roots.items()},
            "members": members,
        },
        "tables": tables,
        "history_tables": {t: n for t, n in tables.items() if t in history},
        "migrations": migrations,
    }
    partial = out / (MANIFEST_FILE + ".part")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(partial, out / MANIFEST_FILE)
    return manifest


# --- Restore drill ------------------------------------------------------------------------------
@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class DrillReport:
    backup: Path
    database: str = ""
    kept: bool = False
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str = "", lines: list[str] | None = None) -> bool:
        self.checks.append(Check(name, ok, detail, lines or []))
        return ok

    def text(self, *, verbose: bool = False) -> str:
        out = [f"Restore drill of {self.backup}", f"  into database {self.database or '-'}"]
        for c in self.checks:
            out.append(f"{'OK  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
            if c.lines and (verbose or not c.ok or c.name == "app serves"):
                out.extend(f"       {line}" for line in c.lines)
        if verbose and self.counts:
            out.append("Rows per table in the restored database:")
            out.extend(f"       {t}: {n}" for t, n in sorted(self.counts.items()))
        if self.seconds:
            out.append(f"Drill took {self.seconds:.1f}s.")
        if self.ok:
            out.append("RESTORE DRILL OK")
        else:
            names = ", ".join(c.name for c in self.failures) or "nothing checked"
            out.append(f"RESTORE DRILL FAILED: {names}")
        if self.kept and self.database:
            out.append(f"The restored database {self.database} is kept (--keep).")
        return "\n".join(out)


def load_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise BackupError(f"{path} does not exist: not a complete backup.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}.")
    return manifest


def drill_database_name() -> str:
    return f"{DRILL_PREFIX}{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}_{uuid.uuid4().hex[:8]}"


def create_database(server: Target, name: str) -> None:
    with server.connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )


def drop_database(server: Target, name: str) -> None:
    if not name.startswith(DRILL_PREFIX):  # never anything but a drill's own database
        raise BackupError(f"Refusing to drop {name!r}: not a restore drill database.")
    with server.connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _compare(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want != got:
            want_text = "absent" if want is None else f"{want} rows"
            got_text = "absent" if got is None else f"{got} rows"
            lines.append(f"{table}: backup {want_text}, restored {got_text}")
    return lines


def _check_files(report: DrillReport, directory: Path, manifest: dict) -> bool:
    ok = True
    for key in ("dump", "media"):
        entry = manifest[key]
        path = directory / entry["file"]
        if not path.is_file():
            ok &= report.add(f"{key} checksum", False, f"{path} is missing")
            continue
        got = sha256_of(path)
        ok &= report.add(
            f"{key} checksum",
            got == entry["sha256"],
            f"sha256 {got[:16]}… {'matches' if got == entry['sha256'] else 'differs from'} "
            f"the manifest's {entry['sha256'][:16]}… ({path.stat().st_size} bytes)",
        )
    return ok


def _check_media(report: DrillReport, directory: Path, manifest: dict, into: Path) -> None:
    expected: dict[str, str] = manifest["media"]["members"]
    with tarfile.open(directory / manifest["media"]["file"], "r:gz") as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
        tar.extractall(into, filter="data")
    problems = []
    for name in sorted(set(expected) | set(names)):
        if name not in names:
            problems.append(f"{name}: in the manifest, not in the archive")
        elif name not in expected:
            problems.append(f"{name}: in the archive, not in the manifest")
        elif sha256_of(into / name) != expected[name]:
            problems.append(f"{name}: restored file's sha256 differs from the manifest")
    report.add(
        "media files",
        not problems,
        f"{len(names)} files restored, {len(expected)} in the manifest"
        + ("" if problems else ", every checksum matches"),
        problems,
    )


def _verify_chain(conn: psycopg.Connection, counts: dict[str, int]):
    """The audit trail's hash chains on the restored database (a VerifyReport, or why not)."""
    if AuditChainLink._meta.db_table not in counts:
        return "no audit chain table in the restored database"
    try:
        with conn.cursor() as cursor:
            return verify_cursor(cursor, set(counts))
    except psycopg.Error as exc:
        return f"could not verify: {type(exc).__name__}: {exc}"
    finally:
        conn.rollback()


def _check_database(report: DrillReport, restored: Target, manifest: dict) -> None:
    with restored.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        counts = count_rows(conn)
        applied = applied_migrations(conn)
        triggers = {
            row[0]
            for row in conn.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
                [TRIGGER_NAME],
            )
        }
        conn.rollback()
        chain = _verify_chain(conn, counts)
    report.counts = counts

    expected = manifest["tables"]
    diff = _compare(expected, counts)
    report.add(
        "row counts",
        not diff,
        f"{len(counts)} tables, {sum(counts.values())} rows restored; "
        f"backup had {len(expected)} tables, {sum(expected.values())} rows",
        diff,
    )

    history_expected = manifest["history_tables"]
    history_actual = {t: counts[t] for t in history_tables() if t in counts}
    diff = _compare(history_expected, history_actual)
    report.add(
        "audit trail",
        not diff and bool(history_actual),
        f"{len(history_actual)} history tables, {sum(history_actual.values())} history rows "
        f"(backup: {sum(history_expected.values())})",
        diff or ([] if history_actual else ["no history table restored"]),
    )

    recorded = {tuple(m) for m in applied}
    known, leaves = code_migrations()
    problems = []
    if recorded != {tuple(m) for m in manifest["migrations"]}:
        problems.append("the restored django_migrations differs from the manifest's")
    problems += [
        f"{app}.{name}: the code's latest migration is not recorded"
        for app, name in sorted(leaves - recorded)
    ]
    problems += [
        f"{app}.{name}: recorded, unknown to this code"
        for app, name in sorted(recorded - known)
        if app in {a for a, _ in known}
    ]
    report.add(
        "migrations",
        not problems,
        f"{len(recorded)} applied; latest of each app "
        + ("equals the code's" if not problems else "differs from the code's"),
        problems,
    )

    if isinstance(chain, str):
        report.add("audit chain", False, chain)
    else:
        links = sum(t.links for t in chain.tables)
        report.add(
            "audit chain",
            chain.ok and bool(chain.tables),
            f"{len(chain.tables)} hash chains, {links} links "
            + ("verify" if chain.ok else "BROKEN")
            + f"; head {chain.head.digest[:16]}…",
            [line for t in chain.broken for line in t.lines()],
        )

    wanted = [t for t in append_only_tables() if t in counts]
    missing = [f"{t}: no {TRIGGER_NAME} trigger" for t in wanted if t not in triggers]
    refused = _trigger_refuses(restored, wanted, counts) if not missing else None
    if refused is not None and not refused[0]:
        missing.append(refused[1])
    report.add(
        "append-only triggers",
        not missing and bool(wanted),
        f"{len(wanted) - len(missing)} of {len(wanted)} audit tables protected"
        + (f"; {refused[1]}" if refused and refused[0] else ""),
        missing,
    )


def _trigger_refuses(restored: Target, tables: list[str], counts: dict[str, int]):
    """Try to UPDATE one audit row (then roll back): the trigger must refuse it."""
    table = next((t for t in tables if counts.get(t)), None)
    if table is None:
        return None
    with restored.connect() as conn:
        column = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum LIMIT 1",
            [table],
        ).fetchone()[0]
        query = sql.SQL("UPDATE {t} SET {c} = {c} WHERE ctid = (SELECT ctid FROM {t} LIMIT 1)")
        try:
            conn.execute(query.format(t=sql.Identifier(table), c=sql.Identifier(column)))
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
            return True, f"an UPDATE of {table} was refused"
        conn.rollback()
    return False, f"{table}: an UPDATE was NOT refused"


# --- Serving from the restored database ---------------------------------------------------------
class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 20):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def _host_header() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"


def _get(sock: str, path: str, cookie: str = "") -> tuple[int, str]:
    conn = _UnixHTTPConnection(sock)
    headers = {"Host": _host_header(), "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def app_env(restored: Target) -> dict[str, str]:
    """The environment of an application process reading the restored database."""
    env = dict(os.environ)
    default = Target.from_settings(DEFAULT_DB_ALIAS)
    env["DATABASE_URL"] = default.for_database(restored.dbname).url()
    if "owner" in settings.DATABASES:
        env["DATABASE_MIGRATION_URL"] = (
            Target.from_settings("owner").for_database(restored.dbname).url()
        )
    else:
        env.pop("DATABASE_MIGRATION_URL", None)
    # Never the trial's replica or broker: the drill must not touch the running trial.
    for name in ("DATABASE_REPLICA_URL", "REDIS_URL"):
        env.pop(name, None)
    module = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        env["DJANGO_SETTINGS_MODULE"] = module
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(settings.BASE_DIR), env.get("PYTHONPATH", "")] if p
    )
    return env


def _check_serving(report: DrillReport, restored: Target, workdir: Path) -> None:
    env = app_env(restored)
    # A real session of an existing user, made in the restored database (as force_login does).
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "edc.operations.serving"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if made.returncode != 0:
        report.add(
            "app serves",
            False,
            "could not open a session in the restored database",
            made.stderr.strip().splitlines()[-15:],
        )
        return
    session = json.loads(made.stdout.strip().splitlines()[-1])
    sock = str(workdir / "gunicorn.sock")
    log = workdir / "gunicorn.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "edc.wsgi:application",
                "--bind",
                f"unix:{sock}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--access-logfile",
                "-",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            lines, ok = _exercise(sock, session, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    if not ok:
        lines += ["gunicorn log (last lines):", *log.read_text(errors="replace").splitlines()[-20:]]
    report.add(
        "app serves",
        ok,
        f"gunicorn on the restored database, pages of {session['username']!r}"
        if ok
        else "the application does not serve from the restored database",
        lines,
    )


def _exercise(sock: str, session: dict, server: subprocess.Popen) -> tuple[list[str], bool]:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while True:
        if server.poll() is not None:
            return [f"gunicorn exited with {server.returncode}"], False
        try:
            status, body = _get(sock, session["login_url"])
            break
        except OSError:
            if time.monotonic() > deadline:
                return [f"gunicorn did not answer within {SERVE_TIMEOUT}s"], False
            time.sleep(0.2)
    lines, ok = [], True
    good = status == 200 and 'name="password"' in body
    ok &= good
    lines.append(
        f"GET {session['login_url']} (anonymous) -> {status}{'' if good else ' (no login form)'}"
    )
    cookie = f"{session['cookie_name']}={session['cookie_value']}"
    for page in session["pages"]:
        status, body = _get(sock, page["path"], cookie)
        good = status == 200 and all(text in body for text in page["expect"])
        ok &= good
        shown = ", ".join(repr(t) for t in page["expect"])
        lines.append(
            f"GET {page['path']} as {session['username']} -> {status}"
            + (f", shows {shown}" if good else f", expected 200 showing {shown}")
        )
    return lines, ok


# --- The drill ----------------------------------------------------------------------------------
def restore_drill(directory: Path, *, keep: bool = False, alias: str | None = None) -> DrillReport:
    """Restore the backup in ``directory`` into a new database and verify it (see module doc)."""
    directory = Path(directory)
    report = DrillReport(backup=directory)
    started = time.monotonic()
    try:
        manifest = load_manifest(directory)
    except (BackupError, ValueError) as exc:
        report.add("manifest", False, str(exc))
        return report
    report.add(
        "manifest",
        True,
        f"backup of {manifest['database']['name']} taken {manifest['created_at']}, "
        f"{len(manifest['tables'])} tables",
    )
    if not _check_files(report, directory, manifest):
        report.add("restore", False, "not attempted: the backup's files do not match the manifest")
        return report

    server = Target.from_settings(alias or backup_alias())
    name = drill_database_name()
    workdir = Path(tempfile.mkdtemp(prefix="edc-drill-"))
    created = False
    try:
        create_database(server, name)
        created = True
        report.database = name
        restored = server.for_database(name)
        try:
            _run(
                [
                    _tool("pg_restore"),
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={restored.conninfo()}",
                    str(directory / manifest["dump"]["file"]),
                ],
                env=restored.env(),
                what="pg_restore",
            )
        except BackupError as exc:
            report.add("restore", False, str(exc))
            return report
        report.add("restore", True, f"pg_restore into {name}")
        steps = (
            ("database", lambda: _check_database(report, restored, manifest)),
            ("media files", lambda: _check_media(report, directory, manifest, workdir / "files")),
            ("app serves", lambda: _check_serving(report, restored, workdir)),
        )
        for step, run in steps:
            try:
                run()
            except Exception as exc:  # a broken check is a failed drill, reported with the rest
                report.add(step, False, f"{type(exc).__name__}: {exc}")
    finally:
        if created and not keep:
            drop_database(server, name)
        report.kept = created and keep
        if keep:
            report.checks.append(Check("kept", True, f"restored files in {workdir / 'files'}"))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        report.seconds = time.monotonic() - started
    return report
