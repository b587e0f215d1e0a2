"""Content negotiation: an unknown ``?format=`` is a 400 naming the formats, not a bare 404."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

# Translators: followed by the response formats, e.g. "One of: json, csv."
FORMAT_INVALID = _("One of: {formats}.")


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            if format_suffix:  # a URL suffix such as ".xml": that resource does not exist
                raise
            formats = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            param = self.settings.URL_FORMAT_OVERRIDE
            raise ValidationError({param: [FORMAT_INVALID.format(formats=formats)]}) from None
