"""Markets: their validated config, residency rules, resource names and festival calendars."""
