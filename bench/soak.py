#!/usr/bin/env python3
"""The soak test's driver (bench/soak.sh starts it): mixed traffic against one release
binary for MINUTES, the process killed with SIGKILL and started again every 30 s, the
PostgreSQL server (when there is one) stopped and started once; then every acknowledged
comment is looked for in the database. Prints acknowledged against stored, answers by
status, the peak resident memory, and exits 1 if any acknowledged comment is missing.

Standard library only. Traffic, each in its own thread:
  - JSON submissions with an Idempotency-Key, and form posts (each body unique, so it can
    be found again);
  - Akismet comment-checks for a site that files what it checks;
  - public listings, and moderation decisions through the API;
  - a slow-body attacker holding half-sent bodies open;
  - a webhook sink that accepts and never answers.
"""

import base64
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

MINUTES = float(sys.argv[1])
BIN, DATA, PORT = sys.argv[2], sys.argv[3], int(sys.argv[4])
PG_CTL = os.environ.get("SOAK_PG_CTL", "")  # a command that takes "stop" or "start"
ARTICLE = "https://news.example/2026/soak"
AUTH = "Basic " + base64.b64encode(b"soak:soak password 1234").decode()
KEY = os.environ["SOAK_AKISMET_KEY"]

stop = threading.Event()
lock = threading.Lock()
acknowledged = []  # unique bodies answered 202/303/true-false (filed)
statuses = {}
peak_kb = 0
server = None


def count(what):
    with lock:
        statuses[what] = statuses.get(what, 0) + 1


def request(method, path, body=None, headers=None, timeout=15):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Location"), response.read()
    finally:
        conn.close()


def start_server():
    global server
    env = dict(os.environ, REPLYGUARD_DATA_DIR=DATA, REPLYGUARD_LOG="warn",
               REPLYGUARD_LIMITS="off", REPLYGUARD_NOTIFY_WEBHOOK=HOOK,
               REPLYGUARD_BODY_TIMEOUT_SECS="5")
    server = subprocess.Popen([BIN, "serve", "--bind", f"127.0.0.1:{PORT}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if request("GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the service did not start")


def hanging_sink():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    held = []

    def accept():
        while True:
            conn, _ = listener.accept()
            held.append(conn)  # accepted, never read, never answered
    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/hook"


HOOK = hanging_sink()


def poster(kind, n_start):
    n = n_start
    while not stop.is_set():
        n += 1
        body = f"Soak {kind} comment {n} {random.getrandbits(48):x} about the tram plan."
        try:
            if kind == "json":
                payload = json.dumps({"thread": ARTICLE, "author": f"Reader {n % 97}",
                                      "email": f"r{n % 97}@mail.example", "body": body})
                status, _, _ = request("POST", "/api/v1/comments", payload, {
                    "Content-Type": "application/json", "Idempotency-Key": f"soak-{n}"})
                ok = status == 202
            elif kind == "form":
                payload = urllib.parse.urlencode({"thread": ARTICLE, "author": f"Form {n % 89}",
                                                  "email": f"f{n % 89}@mail.example",
                                                  "comment": body})
                status, _, _ = request("POST", "/comments", payload, {
                    "Content-Type": "application/x-www-form-urlencoded"})
                ok = status == 303
            else:
                payload = urllib.parse.urlencode({
                    "api_key": KEY, "blog": "https://news.example/", "permalink": ARTICLE,
                    "user_ip": f"203.0.113.{n % 250}", "comment_author": f"App {n % 83}",
                    "comment_author_email": f"a{n % 83}@mail.example", "comment_content": body})
                status, _, answer = request("POST", "/1.1/comment-check", payload, {
                    "Content-Type": "application/x-www-form-urlencoded"})
                ok = status == 200 and answer in (b"true", b"false")
            count(f"{kind} {status}")
            if ok:
                with lock:
                    acknowledged.append(body)
        except OSError:
            count(f"{kind} no answer")
            time.sleep(0.05)


def reader():
    while not stop.is_set():
        try:
            status, _, _ = request("GET", "/api/v1/comments?thread=" + urllib.parse.quote(ARTICLE, safe=""))
            count(f"listing {status}")
        except OSError:
            count("listing no answer")
            time.sleep(0.05)
        time.sleep(0.02)


def moderator():
    while not stop.is_set():
        try:
            status, _, body = request("GET", "/api/v1/moderation/comments?status=pending&per_page=20",
                                      headers={"Authorization": AUTH})
            count(f"queue {status}")
            if status == 200:
                for c in json.loads(body)["comments"][:5]:
                    action = random.choice(["approve", "reject", "spam"])
                    status, _, _ = request("POST", f"/api/v1/moderation/comments/{c['id']}",
                                           json.dumps({"action": action}),
                                           {"Authorization": AUTH, "Content-Type": "application/json"})
                    count(f"decision {status}")
        except (OSError, ValueError, KeyError):
            count("moderation no answer")
        time.sleep(0.2)


def attacker():
    while not stop.is_set():
        socks = []
        for _ in range(50):
            try:
                s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
                s.sendall(b"POST /api/v1/comments HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 200000\r\n\r\n"
                          + b" " * 20000)
                socks.append(s)
            except OSError:
                break
        time.sleep(3)
        for s in socks:
            s.close()
        count("attacker round")


def memory():
    global peak_kb
    while not stop.is_set():
        try:
            with open(f"/proc/{server.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, AttributeError):
            pass
        time.sleep(0.5)


def all_stored_bodies():
    """Every comment body in the database, read straight from it once the service stopped
    (paging through the moderation API would take longer than the soak)."""
    url = os.environ.get("REPLYGUARD_DATABASE_URL", "")
    if url:
        out = subprocess.run([os.environ.get("SOAK_PSQL", "psql"), url, "-At", "-c",
                              "SELECT body FROM comments"], check=True, capture_output=True,
                             text=True).stdout
        return set(out.splitlines())
    import sqlite3
    db = sqlite3.connect(f"file:{DATA}/replyguard.sqlite3?mode=ro", uri=True)
    return {row[0] for row in db.execute("SELECT body FROM comments")}


start_server()
threads = [threading.Thread(target=poster, args=(kind, i * 10_000_000), daemon=True)
           for i, kind in enumerate(["json", "json", "form", "akismet"])]
threads += [threading.Thread(target=f, daemon=True) for f in (reader, moderator, attacker, memory)]
for t in threads:
    t.start()
deadline = time.time() + MINUTES * 60
kills = 0
database_outage = bool(PG_CTL)
while time.time() < deadline:
    time.sleep(min(30, max(0, deadline - time.time())))
    if time.time() >= deadline:
        break
    if database_outage and time.time() > deadline - MINUTES * 30:
        subprocess.run(PG_CTL + " stop", shell=True, check=True)
        time.sleep(5)
        subprocess.run(PG_CTL + " start", shell=True, check=True)
        database_outage = False
        count("database stopped and started")
        continue
    server.send_signal(signal.SIGKILL)
    server.wait()
    kills += 1
    start_server()
stop.set()
time.sleep(2)
# The last answers are in: stop the service, then look for every acknowledged comment.
server.send_signal(signal.SIGTERM)
server.wait()
stored = all_stored_bodies()
lost = [b for b in acknowledged if b not in stored]
print(f"minutes: {MINUTES:g}, SIGKILLs: {kills}")
print(f"acknowledged: {len(acknowledged)}, stored: {len(stored)}, lost: {len(lost)}")
print(f"peak resident memory: {peak_kb // 1024} MB")
for what in sorted(statuses):
    print(f"  {what}: {statuses[what]}")
for body in lost[:10]:
    print(f"LOST: {body}")
sys.exit(1 if lost else 0)
