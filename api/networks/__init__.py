"""Campus networks (校园网): their API schemas; the generic resource (api/crud.py) serves them."""
