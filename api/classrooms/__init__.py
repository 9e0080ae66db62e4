"""Classrooms (教室): their API schemas; the generic resource (api/crud.py) serves them."""
