"""Models of this package (see the issue)."""
