"""Privacy rules: consent, pseudonyms, retention, erasure (pure; the stores do the I/O)."""
