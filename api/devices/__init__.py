"""Devices (网络设备): their API schemas; the generic resource (api/crud.py) serves them."""
