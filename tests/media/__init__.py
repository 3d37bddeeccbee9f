"""Test videos written at test time (deterministic content; no binaries committed)."""
