from .selectors import user_role


def role(request):
    return {"user_role": user_role(request.user)}
