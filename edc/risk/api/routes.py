from .views import SiteRiskViewSet


def register(router) -> None:
    router.register("site-risk", SiteRiskViewSet, basename="site-risk")
