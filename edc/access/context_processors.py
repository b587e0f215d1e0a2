from .constants import Role
from .selectors import user_role


def role(request):
    code = user_role(request.user)
    return {"user_role": code, "user_role_label": Role(code).label if code else ""}
