from rest_framework.pagination import CursorPagination as _CursorPagination


class CursorPagination(_CursorPagination):
    """Stable cursor pagination for incremental pulls; newest-id last so cursors never skip."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 1000
