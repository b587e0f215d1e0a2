def build(*, users: dict, rng) -> None:
    """Add this package's data to the demo trial (called by edc.demo.builder)."""
