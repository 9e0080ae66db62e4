"""Coverage standards as data: the default standard file, its loader and stored versions."""
