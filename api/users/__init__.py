"""Users resource: accounts (admins), who am I, and everyone's own API tokens."""
