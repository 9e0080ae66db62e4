"""Monitoring resource: what the collectors found (device state, uplink verdicts, outages)."""
