#!/usr/bin/env python3
"""Crash test: `kill -9` the server during concurrent API writes, restart it, and check the database.

Starts LDP_BIN (`ldp serve`) on a fresh data folder (SQLite) or a fresh database on the PostgreSQL server that
--postgres-url names, creates an admin and an API token with the CLI, fires --writes concurrent
`POST /api/v1/municipalities/SLUG/representatives` (each with its own name), and sends SIGKILL to the server
once --kill-after of them have been acknowledged. Then it starts the server again on the same data and checks:

  * every write acknowledged with 2xx is present (its id, with its name) and has its audit entry;
  * no audit entry exists without its change, and no change without its audit entry;
  * the restarted server accepts a write.

A write that was not acknowledged may or may not be present (the commit can beat the kill to the response);
the report counts those. Exit status 0 when every check holds, 1 when one does not, 2 on a setup problem.

  bench/crash.py --engine sqlite
  bench/crash.py --engine postgres --postgres-url postgres://postgres@127.0.0.1:5432/ldp_dev

Only 127.0.0.1 is contacted. The servers are stopped by their own pid; the temp folder (and the PostgreSQL
database this run created) are removed at the end.
"""

import argparse
import concurrent.futures
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLUG = "bursa-nilufer"


def log(msg):
    print(f"[crash {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_database(url, name):
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout


class Node:
    """One `ldp serve` process on the run's data."""

    def __init__(self, args, tmp, database_url):
        self.args, self.tmp, self.database_url = args, tmp, database_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def cli(self, *argv, stdin=None):
        cmd = [self.args.bin, *argv, "--data-dir", os.path.join(self.tmp, "data")]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        return subprocess.run(cmd, cwd=self.tmp, input=stdin, capture_output=True, text=True, check=True).stdout

    def start(self, label):
        cmd = [self.args.bin, "serve", "--data-dir", os.path.join(self.tmp, "data"),
               "--listen", f"127.0.0.1:{self.port}"]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        logf = open(os.path.join(self.tmp, f"ldp-{label}.log"), "w")
        self.proc = subprocess.Popen(cmd, cwd=self.tmp, stdout=logf, stderr=subprocess.STDOUT)
        deadline = time.time() + self.args.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"ldp exited ({self.proc.returncode}) before it was ready; see {logf.name}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise SystemExit(f"ldp not ready after {self.args.start_timeout} s")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def post(base, token, name, timeout=15):
    body = json.dumps({"name": name}).encode()
    req = urllib.request.Request(f"{base}/api/v1/municipalities/{SLUG}/representatives", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read()).get("id")
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError, ValueError) as e:
        return f"{type(e).__name__}", None


def fire(node, token, run, args):
    """The writes, `--concurrency` at a time; SIGKILL once `--kill-after` are acknowledged."""
    acked = []
    lock = threading.Lock()
    killed = threading.Event()

    def one(i):
        name = f"Crash {run} {i:05d}"
        status, rid = post(node.base, token, name)
        if isinstance(status, int) and 200 <= status < 300:
            with lock:
                acked.append((rid, name))
                if len(acked) >= args.kill_after and not killed.is_set():
                    killed.set()
                    os.kill(node.proc.pid, signal.SIGKILL)
        return status

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        statuses = list(pool.map(one, range(args.writes)))
    node.kill()
    outcomes = {}
    for s in statuses:
        key = "2xx" if isinstance(s, int) and 200 <= s < 300 else str(s)
        outcomes[key] = outcomes.get(key, 0) + 1
    return acked, outcomes, killed.is_set()


def rows(engine, tmp, database_url, run):
    """Representatives of this run (id → name) and the audit entries of representative creations (id → name)."""
    reps_sql = f"SELECT id, name FROM representative WHERE name LIKE 'Crash {run} %'"
    audit_sql = ("SELECT record_id, after_json FROM audit_log "
                 "WHERE record_type = 'representative' AND action = 'create'")
    if engine == "sqlite":
        db = sqlite3.connect(os.path.join(tmp, "data", "ldp.sqlite3"))
        reps, audits = db.execute(reps_sql).fetchall(), db.execute(audit_sql).fetchall()
        db.close()
    else:
        split = lambda out: [tuple(line.split("\t", 1)) for line in out.splitlines() if line]
        reps, audits = split(psql(database_url, reps_sql)), split(psql(database_url, audit_sql))
    reps = {int(i): n for i, n in reps}
    audits = {int(i): json.loads(a or "{}").get("name") for i, a in audits}
    # Only this run's writes (the database is fresh, but be exact).
    audits = {i: n for i, n in audits.items() if n and n.startswith(f"Crash {run} ")}
    return reps, audits


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--bin", default=os.environ.get("LDP_BIN", os.path.join(REPO, "target/release/ldp")))
    p.add_argument("--writes", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--kill-after", type=int, default=None, help="acknowledged writes before SIGKILL (default: half)")
    p.add_argument("--postgres-url", default=os.environ.get("LDP_TEST_POSTGRES_URL"),
                   help="a database on the server to create the run's own database beside (PostgreSQL only)")
    p.add_argument("--start-timeout", type=int, default=240)
    p.add_argument("--sabotage", action="store_true",
                   help="delete one acknowledged write behind the server's back before checking: the run must fail "
                        "(shows that the check can fail)")
    args = p.parse_args()
    args.kill_after = args.kill_after or args.writes // 2
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        log(f"no executable ldp at {args.bin} (set LDP_BIN or --bin)")
        return 2
    if not 0 < args.kill_after < args.writes:
        log("--kill-after must be between 1 and --writes - 1")
        return 2
    run = secrets.token_hex(4)
    tmp = tempfile.mkdtemp(prefix="ldp-crash-")
    database_url, admin_url, created = None, None, None
    node = None
    try:
        if args.engine == "postgres":
            if not args.postgres_url:
                log("--postgres-url (or LDP_TEST_POSTGRES_URL) is needed for --engine postgres")
                return 2
            admin_url = args.postgres_url
            base_name = admin_url.partition("?")[0].rsplit("/", 1)[1] or "ldp"
            created = f"{base_name}_crash_{os.getpid()}"
            psql(admin_url, f'CREATE DATABASE "{created}"')
            database_url = with_database(admin_url, created)
        node = Node(args, tmp, database_url)
        log(f"{args.engine}: starting {args.bin} (first start loads the reference data)")
        node.start("first")
        password = secrets.token_urlsafe(18)
        node.cli("user", "add", "--email", "crash@example.org", "--role", "admin", "--password-stdin",
                 stdin=password + "\n")
        token = node.cli("token", "create", "crash test", "--user", "crash@example.org").strip().splitlines()[-1]
        log(f"{args.writes} writes, {args.concurrency} at a time; SIGKILL after {args.kill_after} acknowledged")
        started = time.time()
        acked, outcomes, killed = fire(node, token, run, args)
        log(f"killed after {time.time() - started:.1f} s: outcomes {outcomes}")
        if not killed:
            log("FAIL: fewer writes than --kill-after were acknowledged; the server was never killed mid-run")
            return 1
        if args.sabotage:
            sql = f"DELETE FROM representative WHERE id = {int(acked[0][0])}"
            if args.engine == "sqlite":
                db = sqlite3.connect(os.path.join(tmp, "data", "ldp.sqlite3"))
                db.execute(sql)
                db.commit()
                db.close()
            else:
                psql(database_url, sql)
            log(f"sabotage: {sql}")
        node.start("restart")
        reps, audits = rows(args.engine, tmp, database_url, run)
        problems = []
        for rid, name in acked:
            if reps.get(rid) != name:
                problems.append(f"acknowledged write {rid} ({name}) is missing after the restart")
            if audits.get(rid) != name:
                problems.append(f"acknowledged write {rid} ({name}) has no audit entry")
        for rid, name in audits.items():
            if reps.get(rid) != name:
                problems.append(f"audit entry for representative {rid} ({name}) without its change")
        for rid, name in reps.items():
            if rid not in audits:
                problems.append(f"representative {rid} ({name}) without its audit entry")
        status, _ = post(node.base, token, f"Crash {run} after restart")
        if status != 201:
            problems.append(f"the restarted server answered {status} to a write")
        node.stop()
        unacked_present = len(reps) - len(acked)
        print(f"crash {args.engine}: {args.writes} writes, {len(acked)} acknowledged before SIGKILL, "
              f"{len(reps)} present after restart ({unacked_present} committed without an answer), "
              f"{len(audits)} audit entries; {len(problems)} problems")
        for line in problems[:20]:
            print("  " + line)
        return 1 if problems else 0
    finally:
        if node:
            node.kill()
        if created:
            try:
                psql(admin_url, f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')
            except subprocess.CalledProcessError as e:
                log(f"could not drop {created}: {e.stderr.strip()}")
        subprocess.run(["rm", "-rf", "--", tmp], check=False)


if __name__ == "__main__":
    sys.exit(main())
