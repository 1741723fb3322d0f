"""Live rooms: events, admission, quarantine, room totals and minutes, room alerts, sentiment."""
