from .constants import Role
from .roles import MANAGE_USERS, VIEW_SITE_RISK, role_allows
from .selectors import user_role
from .sessions import idle_seconds, warning_seconds
from .training import guide_for_role


def role(request):
    code = user_role(request.user)
    authenticated = getattr(request.user, "is_authenticated", False)
    return {
        # The idle warning's timing (data- attributes read by static/js/session-timeout.js).
        "session_idle_seconds": int(idle_seconds()) if authenticated else 0,
        "session_warning_seconds": int(warning_seconds()) if authenticated else 0,
        "user_role": code,
        "user_role_label": Role(code).label if code else "",
        # The guide the header's Help link opens: the one written for this role.
        "help_page": guide_for_role(code),
        # The header's "Users" link (user management, edc.access.user_views).
        "can_manage_users": code is not None and role_allows(code, MANAGE_USERS),
        # The header's "Site risk" link (central monitoring, edc.risk).
        "can_view_site_risk": code is not None and role_allows(code, VIEW_SITE_RISK),
    }
