from .views import DeviationViewSet


def register(router) -> None:
    router.register("deviations", DeviationViewSet, basename="deviation")
