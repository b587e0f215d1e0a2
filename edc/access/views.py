"""Pages about access: the sign-in log (data managers), the session keep-alive and status."""

import time

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from edc.web import TrialRoleRequiredMixin

from . import roles
from .constants import AuthEventKind
from .models import AuthEvent
from .sessions import LAST_ACTIVITY, idle_remaining

AUTH_EVENTS_PER_PAGE = 100


class AuthEventListView(TrialRoleRequiredMixin, ListView):
    """Sign-ins, sign-outs, failures, lockouts, unlocks and API tokens, newest first."""

    template_name = "access/auth_events.html"
    context_object_name = "events"
    paginate_by = AUTH_EVENTS_PER_PAGE
    action = roles.VIEW_SIGN_IN_LOG

    def get_queryset(self):
        qs = AuthEvent.objects.all()
        kind = self.request.GET.get("kind", "")
        if kind in AuthEventKind.values:
            qs = qs.filter(kind=kind)
        username = self.request.GET.get("username", "").strip()
        if username:
            qs = qs.filter(username__iexact=username)
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Sign-in log"),
            kinds=AuthEventKind.choices,
            kind=self.request.GET.get("kind", ""),
            username=self.request.GET.get("username", ""),
            **kwargs,
        )


class SessionStatusView(View):
    edc_action = roles.PUBLIC  # answers signed-out callers too (the page's timer)
    """GET: seconds until the idle sign-out. Not activity (the middleware skips it)."""

    def get(self, request):
        if not request.user.is_authenticated:
            return JsonResponse({"signed_out": True, "remaining": 0})
        remaining = idle_remaining(request.session, now=time.time())
        return JsonResponse({"signed_out": False, "remaining": max(0, int(remaining))})


class KeepAliveView(View):
    edc_action = roles.PUBLIC  # answers signed-out callers with 401
    """POST ("Stay signed in"): counts as activity; answers the new remaining time."""

    def post(self, request):
        if not request.user.is_authenticated:
            return JsonResponse({"signed_out": True, "remaining": 0}, status=401)
        request.session[LAST_ACTIVITY] = time.time()
        remaining = idle_remaining(request.session, now=time.time())
        return JsonResponse({"signed_out": False, "remaining": int(remaining)})
