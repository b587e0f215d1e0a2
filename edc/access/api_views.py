from rest_framework import serializers, viewsets

from .models import Site
from .selectors import sites_visible_to


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name", "country"]


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SiteSerializer

    def get_queryset(self):
        return sites_visible_to(self.request.user).order_by("id")
