"""Decisions, once per buffer: state + score + music + clock -> notes and parameter changes."""
