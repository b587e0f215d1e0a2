"""The statistician datasets, one module per domain, in the order of the package."""

from ..spec import Domain
from . import ae, cm, dm, ds, dv, ex, lb, mh, rs, sv, tr, tu, vs

DOMAINS: tuple[Domain, ...] = (
    dm.DOMAIN,
    ds.DOMAIN,
    sv.DOMAIN,
    ex.DOMAIN,
    ae.DOMAIN,
    cm.DOMAIN,
    mh.DOMAIN,
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
