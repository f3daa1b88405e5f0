"""One page of a list for flask-smorest's ``@blp.paginate()``: the items, and the total it
reports in the X-Pagination header."""

from ..extensions import db


def page_items(stmt, pagination_parameters) -> list:
    page = db.paginate(
        stmt,
        page=pagination_parameters.page,
        per_page=pagination_parameters.page_size,
        error_out=False,
    )
    pagination_parameters.item_count = page.total
    return page.items
