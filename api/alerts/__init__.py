"""Alerts, rules, subscriptions, maintenance windows and dead letters: their API schemas; the
generic resource (api/crud.py) serves them from their registry entries (api/alert_entities.py)."""
