"""digicampus REST API: its resources, auth and the web pieces the pages share, and the CLI.

Importing ``api`` imports no Flask: the collector process (``digicampus collect``) uses
``api.config``, ``api.bootstrap`` and ``api.cli`` and never builds an app. The app itself is put
together above both the API and the pages, in web/ (``web.create_app``).
"""
