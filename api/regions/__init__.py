"""Regions (served by the generic resource, api/crud.py) and school types (resources.py)."""
