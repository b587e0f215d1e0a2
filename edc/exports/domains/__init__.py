"""The statistician datasets, one module per domain, in the order of the package."""

from ..spec import Domain
from . import ae, dm, ds, dv, ex, lb, rs, sv, tr, tu, vs

DOMAINS: tuple[Domain, ...] = (
    dm.DOMAIN,
    ds.DOMAIN,
    sv.DOMAIN,
    ex.DOMAIN,
    ae.DOMAIN,
    lb.DOMAIN,
    vs.DOMAIN,
    tu.DOMAIN,
    tr.DOMAIN,
    rs.DOMAIN,
    dv.DOMAIN,
)
DOMAINS_BY_CODE: dict[str, Domain] = {d.code: d for d in DOMAINS}


def domain(code: str) -> Domain | None:
    return DOMAINS_BY_CODE.get((code or "").upper())
