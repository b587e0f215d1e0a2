from django.db import models


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", "Investigator"
    COORDINATOR = "coordinator", "Study coordinator"
    MONITOR = "monitor", "Monitor"
    STATISTICIAN = "statistician", "Statistician"
    DATA_MANAGER = "data_manager", "Data manager"


SITE_STAFF = frozenset({Role.INVESTIGATOR, Role.COORDINATOR})
# Roles whose view is limited to the sites they are assigned to.
SITE_SCOPED = frozenset({Role.INVESTIGATOR, Role.COORDINATOR, Role.MONITOR})
ALL_SITES = frozenset({Role.STATISTICIAN, Role.DATA_MANAGER})
