"""The lockout check in front of Django's password check (first in AUTHENTICATION_BACKENDS)."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for every password check made for a request (login page, API token,
    e-signature re-entry).

    A password check without a request (a service called from a script or a command, e.g. the
    e-signature check of the demo builder) cannot be tied to a client: it is not refused here
    (axes would raise) and not counted; the e-signature keeps its own attempt limit.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
