"""JSON API v1: bearer tokens, strict JSON, the error shape of CONTRACT.md."""
