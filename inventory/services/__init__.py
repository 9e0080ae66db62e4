"""Use cases of the inventory. Each takes a session and an actor; the caller commits."""
