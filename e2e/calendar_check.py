#!/usr/bin/env python3
"""Calendars as a calendar program meets them, read with Python's `icalendar` (another parser than the
Rust tests'), against a running ldp at BASE_URL.

1. The union's public feed in both languages, narrowed to a municipality and to a topic: each parses
   without errors, says METHOD:PUBLISH, writes every time in UTC (no TZID), and gives every VEVENT a UID
   and a SEQUENCE. An unknown filter is a 400.
2. Signed in as the admin (LDP_E2E_ADMIN_EMAIL), an event is created and published through the workspace
   forms; its own file and the feeds then hold its session under the same UID.
3. The union's deadline feed of funding calls (/tr|en/funding/deadlines.ics, with the calls list's filters
   ?type=, ?sdg=, ?funder=): it parses, says METHOD:PUBLISH, has one VEVENT per deadline with a UID from ids
   (`call-{id}-deadline-{n}@host`), a UTC DTSTART and no DTEND, a SEQUENCE and no VALARM; a call the admin
   enters through the workspace form shows in it at its deadline converted to UTC. A bad filter is a 400.
4. Signed in as the representative (LDP_E2E_REP_EMAIL), they register, save a search matching that call,
   make their personal feed on /workspace/calendar, read it and the deadline feed behind the same secret
   without cookies (`private, no-store`, the event and the call in them), revoke it, and find both addresses
   answer 404.

Exit status 0 when everything holds; the problems are printed otherwise.
"""

import datetime
import html
import os
import re
import sys
from zoneinfo import ZoneInfo

import requests
from icalendar import Calendar

BASE = os.environ["BASE_URL"].rstrip("/")
ADMIN = os.environ["LDP_E2E_ADMIN_EMAIL"]
REP = os.environ["LDP_E2E_REP_EMAIL"]
PASSWORD = os.environ["LDP_E2E_PASSWORD"]
MUNICIPALITY = os.environ.get("LDP_E2E_MUNICIPALITY", "bursa-nilufer")
TIMEOUT = 20

problems = []


def problem(text):
    problems.append(text)
    print(f"FAIL {text}")


def parse(path, body, method="PUBLISH"):
    """The calendar in `body`, checked; None (with the problem recorded) when it is not one."""
    try:
        cal = Calendar.from_ical(body)
    except Exception as e:  # noqa: BLE001 - any parse failure is the finding
        problem(f"{path}: not a calendar ({e})")
        return None
    errors = list(getattr(cal, "errors", []))
    for c in cal.walk():
        errors.extend(getattr(c, "errors", []))
    if errors:
        problem(f"{path}: parse errors {errors}")
    if str(cal.get("METHOD", "")) != method:
        problem(f"{path}: METHOD {cal.get('METHOD')!r}, expected {method}")
    if cal.get("VERSION") != "2.0" or not cal.get("PRODID"):
        problem(f"{path}: VERSION/PRODID missing")
    if "TZID" in body.decode("utf-8", "replace"):
        problem(f"{path}: a TZID where times should be UTC")
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        if not re.fullmatch(r"event-\d+-session-\d+@[^@\s]+", uid):
            problem(f"{path}: UID {uid!r} not derived from ids")
        for key in ("DTSTART", "DTEND", "DTSTAMP"):
            value = ev.decoded(key, None)
            if not isinstance(value, datetime.datetime) or value.utcoffset() != datetime.timedelta(0):
                problem(f"{path}: {uid} {key} {value!r} is not a UTC date-time")
        if ev.get("SEQUENCE") is None:
            problem(f"{path}: {uid} has no SEQUENCE")
        if str(ev.get("STATUS", "")) not in ("CONFIRMED", "TENTATIVE", "CANCELLED"):
            problem(f"{path}: {uid} STATUS {ev.get('STATUS')!r}")
    return cal


def parse_deadlines(path, body):
    """The deadline feed in `body`, checked like the events' feeds but for what a deadline is; None when it is
    not a calendar."""
    try:
        cal = Calendar.from_ical(body)
    except Exception as e:  # noqa: BLE001 - any parse failure is the finding
        problem(f"{path}: not a calendar ({e})")
        return None
    errors = list(getattr(cal, "errors", []))
    for c in cal.walk():
        errors.extend(getattr(c, "errors", []))
    if errors:
        problem(f"{path}: parse errors {errors}")
    if str(cal.get("METHOD", "")) != "PUBLISH":
        problem(f"{path}: METHOD {cal.get('METHOD')!r}, expected PUBLISH")
    if cal.get("VERSION") != "2.0" or not cal.get("PRODID"):
        problem(f"{path}: VERSION/PRODID missing")
    text = body.decode("utf-8", "replace")
    if "TZID" in text or "VALARM" in text:
        problem(f"{path}: a TZID or a VALARM in a deadline feed")
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        if not re.fullmatch(r"call-\d+-deadline-\d+@[^@\s]+", uid):
            problem(f"{path}: UID {uid!r} not derived from ids")
        for key in ("DTSTART", "DTSTAMP"):
            value = ev.decoded(key, None)
            if not isinstance(value, datetime.datetime) or value.utcoffset() != datetime.timedelta(0):
                problem(f"{path}: {uid} {key} {value!r} is not a UTC date-time")
        if ev.get("DTEND") is not None:
            problem(f"{path}: {uid} has a DTEND; a deadline is a moment")
        if ev.get("SEQUENCE") is None or not str(ev.get("SUMMARY", "")):
            problem(f"{path}: {uid} has no SEQUENCE or SUMMARY")
    return cal


def deadlines_at(session, path):
    r = fetch(session, path)
    if r.status_code != 200:
        return None
    if not r.headers.get("content-type", "").startswith("text/calendar"):
        problem(f"{path}: content type {r.headers.get('content-type')!r}")
    return parse_deadlines(path, r.content)


def fetch(session, path, want=200):
    r = session.get(BASE + path, timeout=TIMEOUT, allow_redirects=False)
    if r.status_code != want:
        problem(f"GET {path}: {r.status_code}, expected {want}")
    return r


def calendar_at(session, path):
    r = fetch(session, path)
    if r.status_code != 200:
        return None
    if not r.headers.get("content-type", "").startswith("text/calendar"):
        problem(f"{path}: content type {r.headers.get('content-type')!r}")
    return parse(path, r.content)


def uids(cal):
    return [str(e.get("UID")) for e in cal.walk("VEVENT")] if cal is not None else []


def csrf_of(text):
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    return html.unescape(m.group(1)) if m else ""


def sign_in(email):
    s = requests.Session()
    form = s.get(BASE + "/tr/sign-in", timeout=TIMEOUT)
    r = s.post(
        BASE + "/tr/sign-in",
        data={"csrf": csrf_of(form.text), "email": email, "password": PASSWORD},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    if r.status_code != 303:
        problem(f"sign-in of {email}: {r.status_code}")
    ws = s.get(BASE + "/tr/workspace", timeout=TIMEOUT)
    return s, csrf_of(ws.text)


def post(session, csrf, path, fields, want):
    r = session.post(BASE + path, data=[("csrf", csrf), *fields], timeout=TIMEOUT, allow_redirects=False)
    if r.status_code != want:
        problem(f"POST {path}: {r.status_code}, expected {want}: {r.text[:300]}")
    return r


def main():
    anon = requests.Session()
    feeds = [
        "/tr/events/calendar.ics",
        "/en/events/calendar.ics",
        f"/tr/events/calendar.ics?municipality={MUNICIPALITY}",
        "/en/events/calendar.ics?topic=diplomacy_protocol",
    ]
    for path in feeds:
        calendar_at(anon, path)
    fetch(anon, "/tr/events/calendar.ics?topic=party", want=400)

    # An event a month ahead, in Istanbul time, made and published by the admin.
    admin, csrf = sign_in(ADMIN)
    day = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=3))) + datetime.timedelta(days=30)).date()
    fields = [
        ("kind", "training"),
        ("title_tr", "Takvim denetimi eğitimi"),
        ("title_en", "Calendar check training"),
        ("topic", "diplomacy_protocol"),
        ("host", MUNICIPALITY),
        ("sessions", f"{day.isoformat()} 10:00-12:30\n{(day + datetime.timedelta(days=1)).isoformat()} 10:00-12:00"),
        ("online_url", "https://meet.example.org/takvim"),
        ("language", "tr"),
        ("organiser", "Yerel Diplomasi Platformu"),
        ("audience", "member_staff"),
        ("capacity", "10"),
    ]
    made = post(admin, csrf, "/tr/workspace/events/new", fields, 303)
    path = made.headers.get("location", "").split("?")[0]
    event_id = path.rsplit("/", 1)[-1]
    if not event_id.isdigit():
        problem(f"no event id in {made.headers.get('location')!r}")
        return finish()
    post(admin, csrf, f"{path}/status", [("status", "published")], 303)

    own = calendar_at(anon, f"/tr/events/{event_id}/calendar.ics")
    mine = [u for u in uids(own) if u.startswith(f"event-{event_id}-session-")]
    if len(mine) != 2:
        problem(f"the event's file holds {uids(own)}, expected its two sessions")
    for path_ in (f"/tr/events/calendar.ics?municipality={MUNICIPALITY}", "/en/events/calendar.ics"):
        if not set(mine) <= set(uids(calendar_at(anon, path_))):
            problem(f"{path_} lacks the event's sessions {mine}")

    # The deadline feeds: a call entered by the admin shows at its deadline in UTC.
    for path_ in ("/tr/funding/deadlines.ics", "/en/funding/deadlines.ics?type=grant", "/tr/funding/deadlines.ics?sdg=13"):
        deadlines_at(anon, path_)
    fetch(anon, "/tr/funding/deadlines.ics?type=party", want=400)
    fetch(anon, "/tr/funding/deadlines.ics?sdg=99", want=400)
    deadline_day = day + datetime.timedelta(days=14)
    call = [
        ("identifier", f"E2E-CAL-{deadline_day.isoformat()}"),
        ("kind", "grant"),
        ("title_tr", "Takvim denetimi hibe çağrısı"),
        ("title_en", "Calendar check grant call"),
        ("deadline_model", "single"),
        ("deadlines", f"{deadline_day.isoformat()} 17:00 Europe/Brussels"),
        ("currency", "EUR"),
        ("themes", "takvimdenetimi"),
        ("sdgs", "13"),
        ("link", "https://example.org/e2e-call"),
    ]
    entered = post(admin, csrf, "/tr/workspace/calls/new", call, 303)
    call_id = entered.headers.get("location", "").split("?")[0].rsplit("/", 1)[-1]
    call_uid = f"call-{call_id}-deadline-1@"
    if not call_id.isdigit():
        problem(f"no call id in {entered.headers.get('location')!r}")
    else:
        feed = deadlines_at(anon, "/tr/funding/deadlines.ics?sdg=13")
        mine_ = [e for e in (feed.walk("VEVENT") if feed is not None else []) if str(e.get("UID")).startswith(call_uid)]
        if len(mine_) != 1:
            problem(f"the deadline feed holds {uids(feed)}, expected {call_uid}…")
        else:
            expected = datetime.datetime.combine(
                deadline_day, datetime.time(17, 0), tzinfo=ZoneInfo("Europe/Brussels")
            ).astimezone(datetime.timezone.utc)
            start = mine_[0].decoded("DTSTART")
            if start != expected:
                problem(f"the call's deadline is {start!r}, expected {deadline_day} 17:00 Brussels in UTC")

    # The representative registers and reads their own feed.
    rep, csrf = sign_in(REP)
    post(rep, csrf, f"/tr/workspace/events/{event_id}/registrations", [("attendees", "")], 303)
    post(rep, csrf, "/tr/workspace/saved-searches", [("theme", "takvimdenetimi"), ("frequency", "weekly"), ("lang", "tr")], 303)
    page = post(rep, csrf, "/tr/workspace/calendar", [], 201)
    m = re.search(r'id="calendar-address">([^<]+)<', page.text)
    if not m:
        problem("the calendar page shows no address")
        return finish()
    address = html.unescape(m.group(1)).strip()
    personal = address[len(BASE) :] if address.startswith(BASE) else re.sub(r"^https?://[^/]+", "", address)
    r = fetch(anon, personal)
    if r.headers.get("cache-control") != "private, no-store":
        problem(f"personal feed Cache-Control {r.headers.get('cache-control')!r}")
    cal = parse("personal feed", r.content) if r.status_code == 200 else None
    if not set(mine) <= set(uids(cal)):
        problem(f"the personal feed holds {uids(cal)}, expected {mine}")
    deadlines_personal = personal.replace("/events.ics", "/deadlines.ics")
    r = fetch(anon, deadlines_personal)
    if r.headers.get("cache-control") != "private, no-store":
        problem(f"personal deadline feed Cache-Control {r.headers.get('cache-control')!r}")
    cal = parse_deadlines("personal deadline feed", r.content) if r.status_code == 200 else None
    if call_id.isdigit() and not any(u.startswith(call_uid) for u in uids(cal)):
        problem(f"the personal deadline feed holds {uids(cal)}, expected the searched call {call_uid}…")
    post(rep, csrf, "/tr/workspace/calendar/revoke", [], 303)
    fetch(anon, personal, want=404)
    fetch(anon, deadlines_personal, want=404)
    return finish()


def finish():
    if problems:
        print(f"{len(problems)} calendar problem(s)")
        return 1
    print(
        "calendars: every event and deadline feed parses with Python icalendar; "
        "personal feeds made, read and revoked"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
