"""One domain dataset as bytes, by the fastest path that writes the same bytes.

CSV of a domain PostgreSQL can render (``edc.exports.pgcsv``) comes from the database;
everything else goes through the domain's records and the Python writers.
"""

from collections.abc import Iterator

from . import pgcsv
from .constants import ExportFormat
from .context import ExportContext
from .spec import Domain
from .writers import WRITERS, RowCount


def dataset_bytes(
    domain: Domain, ctx: ExportContext, fmt: str, counter: RowCount
) -> Iterator[bytes]:
    """The dataset in ``fmt`` for ``ctx``'s reader; run it inside ``in_read_transaction``.

    Lazy: nothing is read (not even to plan the SQL) before the first piece is asked for,
    so every read happens inside the read transaction, on the database it reads.
    """
    variables = domain.variables_for(deidentified=ctx.deidentified)
    if fmt == ExportFormat.CSV and (plan := pgcsv.plan(domain, variables, ctx)) is not None:
        yield from pgcsv.csv_bytes(plan, counter)
    else:
        yield from WRITERS[fmt](variables, domain.rows(ctx), counter)
