"""Network links (网络链路): their API schemas; the generic resource (api/crud.py) serves them."""
