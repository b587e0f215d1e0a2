"""Models of this app (see the issue)."""
