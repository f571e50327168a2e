#!/usr/bin/env python3
"""Parses an iCalendar feed from stdin with the `icalendar` package and
prints its events as JSON, so tests check what a calendar app would read,
not the text. Fails (non-zero, message on stderr) on anything the parser
rejects."""
import json
import sys

import icalendar

raw = sys.stdin.buffer.read()
cal = icalendar.Calendar.from_ical(raw)
if cal.name != "VCALENDAR":
    sys.exit(f"not a VCALENDAR: {cal.name}")
# Lines over 75 octets are a fault the parser tolerates: check them here.
for line in raw.split(b"\r\n"):
    if len(line) > 75:
        sys.exit(f"unfolded line of {len(line)} octets: {line[:80]!r}")
events = []
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    events.append({
        "uid": str(ev["UID"]),
        "summary": str(ev["SUMMARY"]),
        "start": start.isoformat(),
        "all_day": ev["DTSTART"].params.get("VALUE") == "DATE",
        "sequence": int(ev["SEQUENCE"]),
        "url": str(ev["URL"]),
        "stamp": ev.decoded("DTSTAMP").isoformat(),
        "categories": [str(c) for c in ev["CATEGORIES"].cats] if "CATEGORIES" in ev else [],
    })
print(json.dumps({"name": str(cal.get("X-WR-CALNAME", "")), "events": events}))
