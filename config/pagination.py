from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page numbers with a client-chosen size (``?page_size=``), capped to protect the server."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
