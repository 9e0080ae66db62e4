"""Change-log resource."""
