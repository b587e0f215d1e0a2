"""Pagination of the API. Bad ``cursor`` / ``page_size`` values are a 400 naming the parameter.

DRF's own classes fall back to the default page size on a bad ``page_size`` (the client never
learns its value was ignored) and trust the position inside a cursor: a forged cursor whose
position is not an id reached the database (500, or an integer overflow on PostgreSQL).
"""

from base64 import b64decode
from urllib import parse

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

CURSOR_INVALID = _("Invalid cursor: use the next or previous link of a page.")
PAGE_SIZE_INVALID = _("A whole number from 1 to {max} is required.")
PAGE_INVALID = _("A page number (a whole number from 1) is required.")
MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


def strict_page_size(paginator, request) -> int:
    """The ``page_size`` asked for (capped at the maximum), the default when absent."""
    raw = request.query_params.get(paginator.page_size_query_param)
    if not raw:  # absent or empty, as for every query parameter of this API
        return paginator.page_size
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        message = PAGE_SIZE_INVALID.format(max=paginator.max_page_size)
        raise ValidationError({paginator.page_size_query_param: [message]})
    return min(size, paginator.max_page_size)


class CursorPagination(pagination.CursorPagination):
    """Stable cursor pagination for incremental pulls; newest-id last so cursors never skip."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        return strict_page_size(self, request)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            tokens = parse.parse_qs(
                b64decode(encoded.encode("ascii"), validate=True).decode("ascii"),
                keep_blank_values=True,
                strict_parsing=True,
            )
            offset = int(tokens.get("o", ["0"])[0])
            reverse = int(tokens.get("r", ["0"])[0])
            position = tokens.get("p", [None])[0]
            if position is not None and not 0 <= int(position) <= MAX_ID:
                raise ValueError(position)
            if not 0 <= offset <= self.offset_cutoff or reverse not in (0, 1):
                raise ValueError(encoded)
        except (TypeError, ValueError) as exc:  # binascii.Error, UnicodeError are ValueErrors
            raise ValidationError({self.cursor_query_param: [CURSOR_INVALID]}) from exc
        return pagination.Cursor(offset=offset, reverse=bool(reverse), position=position)


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages (lists that are not querysets); a bad ``page_size`` or ``page`` is a 400."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        return strict_page_size(self, request)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise ValidationError({self.page_query_param: [PAGE_INVALID]})
        return number
