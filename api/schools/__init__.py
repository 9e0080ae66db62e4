"""Schools (学校): their API schemas; the generic resource (api/crud.py) serves them."""
