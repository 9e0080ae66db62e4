"""Coverage standards (标准) resource."""
