"""Reference data shipped inside the package (copied from the project's shared data)."""
