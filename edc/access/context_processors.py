from edc.help.pages import guide_for_role

from .constants import Role
from .selectors import user_role


def role(request):
    code = user_role(request.user)
    return {
        "user_role": code,
        "user_role_label": Role(code).label if code else "",
        # The guide the header's Help link opens: the one written for this role.
        "help_page": guide_for_role(code),
    }
