#!/usr/bin/env python3
"""Helpers of bench/matrix.sh (standard library only).

    matrix_helper.py fill BASE LIMIT
        requests every public page it can find on BASE (both languages: home, each page of the municipality and
        relation lists, each municipality, the map, each page of the API lists, then relation pages) until LIMIT
        requests, 4 at a time, so that a page cache holds what a crawler would have asked for; prints
        "requests errors seconds".
    matrix_helper.py invalidate A B TOKEN TIMEOUT REPEAT
        REPEAT times: proposes a relation on node A through the API and publishes it, then polls node B's
        /tr/ home page (which counts the public relations) until it shows the new count; prints the delays in
        ms from A's answer to the first changed page on B, or "timeout" for a change B did not show within
        TIMEOUT seconds.
"""
import json
import re
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

COUNT = re.compile(r'class="stat-links"[^>]*>\s*<strong>([^<]+)</strong>')


def get(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def api_json(base, path):
    return json.loads(get(base + path)[1])


def fill(base, limit):
    rel = api_json(base, "/api/v1/partnerships?per_page=1")["total"]
    muni = api_json(base, "/api/v1/municipalities?per_page=100")
    slugs = [m["slug"] for m in muni["items"]]
    for page in range(2, (muni["total"] + 99) // 100 + 1):
        slugs += [m["slug"] for m in api_json(base, f"/api/v1/municipalities?per_page=100&page={page}")["items"]]
    paths = []
    for lang in ("tr", "en"):
        paths += [f"/{lang}/", f"/{lang}/map", f"/{lang}/partnerships/countries", f"/{lang}/networks"]
        paths += [f"/{lang}/municipalities?page={p}" for p in range(1, (len(slugs) + 24) // 25 + 1)]
        paths += [f"/{lang}/municipalities/{s}" for s in slugs]
    paths += ["/api/v1/municipalities", "/api/v1/networks"]
    pages = (rel + 24) // 25
    for p in range(1, pages + 1):
        paths += [f"/tr/partnerships?page={p}", f"/en/partnerships?page={p}", f"/api/v1/partnerships?page={p}"]
    paths += [f"/tr/partnerships/{i}" for i in range(1, rel + 1)]
    paths = paths[:limit]
    errors = 0
    t0 = time.monotonic()

    def one(path):
        # Relation ids have gaps (an import's conflicts use up ids), so a missing relation is not an error.
        try:
            return get(base + path)[0] == 200
        except urllib.error.HTTPError as e:
            return e.code == 404
        except (urllib.error.URLError, OSError):
            return False

    with ThreadPoolExecutor(4) as pool:
        for ok in pool.map(one, paths):
            errors += 0 if ok else 1
    print(len(paths), errors, f"{time.monotonic() - t0:.1f}")


def public_count(base):
    m = COUNT.search(get(base + "/tr/")[1].decode("utf-8"))
    return m.group(1) if m else None


def send(base, token, method, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def invalidate(a, b, token, timeout, repeat):
    slugs = [m["slug"] for m in api_json(a, "/api/v1/municipalities?per_page=100")["items"]]
    delays, partners = [], iter(slugs[1:])
    for _ in range(repeat):
        before = public_count(b)
        created = None
        while created is None:
            partner = next(partners)
            try:
                created = send(a, token, "POST", "/api/v1/partnerships",
                               {"municipality": slugs[0], "partner_municipality": partner, "kind": "friendship"})["id"]
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
        send(a, token, "PUT", f"/api/v1/partnerships/{created}/publication", {"published": True})
        t0 = time.monotonic()
        while public_count(b) == before:
            if time.monotonic() - t0 > timeout:
                delays.append("timeout")
                break
            time.sleep(0.005)
        else:
            delays.append(f"{(time.monotonic() - t0) * 1000:.0f}")
    print(" ".join(delays))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fill":
        fill(sys.argv[2].rstrip("/"), int(sys.argv[3]))
    elif len(sys.argv) == 7 and sys.argv[1] == "invalidate":
        invalidate(sys.argv[2].rstrip("/"), sys.argv[3].rstrip("/"), sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(__doc__)
