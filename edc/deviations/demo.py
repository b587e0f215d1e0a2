def build(*, users: dict, rng) -> str:
    """Run the sweep once so the demo shows the deviations its data contains."""
    from .models import Deviation
    from .services import deviations_sweep

    deviations_sweep()
    return f"{Deviation.objects.count()} deviations found"
