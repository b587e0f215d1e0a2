from .views import ExposureViewSet, Imp321ViewSet, PaclitaxelViewSet


def register(router) -> None:
    router.register("paclitaxel", PaclitaxelViewSet, basename="paclitaxel")
    router.register("imp321", Imp321ViewSet, basename="imp321")
    router.register("exposure", ExposureViewSet, basename="exposure")
