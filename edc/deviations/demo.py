def build(*, users: dict, rng) -> None:
    """Run the sweep once so the demo shows the deviations its data contains."""
    from .services import deviations_sweep

    deviations_sweep()
