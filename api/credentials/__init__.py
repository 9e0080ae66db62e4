"""SNMP credentials: their API schemas; the generic resource (api/crud.py) serves them."""
