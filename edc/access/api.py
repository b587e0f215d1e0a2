from rest_framework.permissions import SAFE_METHODS, BasePermission

from .selectors import can_enter_data, user_role


class RolePermission(BasePermission):
    """Any trial role may read (querysets are site-scoped); only site staff may write.

    Views with other writers (e.g. data managers opening a cohort) set ``write_roles``.
    """

    message = "Your trial role does not allow this action."

    def has_permission(self, request, view) -> bool:
        role = user_role(request.user)
        if role is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        write_roles = getattr(view, "write_roles", None)
        if write_roles is not None:
            return role in write_roles
        return can_enter_data(request.user)
