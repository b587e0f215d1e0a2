from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import roles


class RolePermission(BasePermission):
    """Every API view asks the authorization table (edc.access.roles) before anything else.

    A viewset declares what it needs: ``read_action`` for safe methods (default: any trial
    role reads; querysets are site-scoped), ``write_action`` for the others (default: site staff
    enter data) and ``action_permissions`` per viewset action (e.g. ``{"answer":
    roles.ANSWER_QUERY}``), which wins over both.
    """

    message = _("Your trial role does not allow this action.")

    @staticmethod
    def required_action(view, method: str, action_name: str | None) -> str:
        per_action = getattr(view, "action_permissions", {}) or {}
        if action_name in per_action:
            return per_action[action_name]
        if method.upper() in SAFE_METHODS:
            return getattr(view, "read_action", roles.READ)
        return getattr(view, "write_action", roles.ENTER_DATA)

    def has_permission(self, request, view) -> bool:
        action = self.required_action(view, request.method, getattr(view, "action", None))
        if roles.role_can(request.user, action):
            return True
        if request.user and request.user.is_authenticated:
            self.message = roles.refusal(action)
        return False
