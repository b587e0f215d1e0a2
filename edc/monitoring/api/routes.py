def register(router) -> None:
    """Register this package's API viewsets on the /api/v1/ router."""
