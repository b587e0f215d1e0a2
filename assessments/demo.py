def build(*, users: dict, rng) -> None:
    """Add this app's data to the demo trial (called by edc.demo.builder after enrolment)."""
