"""User management pages (data managers) and "My training" (every signed-in account).

Thin: forms in, ``edc.access.services`` out (which check ``roles.MANAGE_USERS`` again and
refuse a change of one's own account), ``edc.access.user_selectors`` for reads.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

from edc.audit.display import entry_views
from edc.web import TrialRoleRequiredMixin, run_service

from . import roles, services, user_selectors
from . import user_constants as msg
from . import user_forms as forms
from .credentials import signing_credentials_check
from .mfa import has_app
from .training import TRAININGS, requires_training

USERS_PER_PAGE = 50


class ManageUsersMixin(TrialRoleRequiredMixin):
    action = roles.MANAGE_USERS


class AccountMixin(ManageUsersMixin):
    """Pages about one account (``pk`` is the user's id)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and roles.role_can(request.user, self.action):
            try:
                self.account = user_selectors.account_get(kwargs["pk"])
            except get_user_model().DoesNotExist as exc:
                raise Http404(_("No such account.")) from exc
            self.profile = getattr(self.account, "staff_profile", None)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            account=self.account,
            profile=self.profile,
            row=user_selectors.account_row(self.account),
            is_self=self.account.pk == self.request.user.pk,
            **kwargs,
        )


class UserListView(ManageUsersMixin, ListView):
    """Every account: role, sites, status, last sign-in, training; filtered."""

    template_name = "access/users/list.html"
    paginate_by = USERS_PER_PAGE

    def get_queryset(self):
        self.filter_form = forms.UserFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return user_selectors.accounts(
            role=data.get("role") or "", site=data.get("site"), active=data.get("active") or ""
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            title=_("Users"),
            filter_form=self.filter_form,
            rows=[user_selectors.account_row(user) for user in context["object_list"]],
            query=params.urlencode(),
        )
        return context


class UserCreateView(ManageUsersMixin, FormView):
    template_name = "access/users/form.html"
    form_class = forms.UserCreateForm
    extra_context = {
        "title": gettext_lazy("New user"),
        "submit": gettext_lazy("Create the account"),
    }

    def form_valid(self, form):
        result = run_service(
            form, services.user_create, actor=self.request.user, **form.cleaned_data
        )
        if result is None:
            return self.form_invalid(form)
        user, password = result
        response = TemplateResponse(
            self.request,
            "access/users/created.html",
            {
                "title": _("Account created"),
                "account": user,
                "row": user_selectors.account_row(user),
                "password": password,
                "note": _(msg.TEMPORARY_PASSWORD_NOTE).format(
                    person=user.get_full_name() or user.get_username()
                ),
            },
        )
        # The password is in this page only: never kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response


class UserDetailView(AccountMixin, TemplateView):
    """One account: profile, training records, its audited history, its sign-in events."""

    template_name = "access/users/detail.html"

    def get_context_data(self, **kwargs):
        records, states = user_selectors.account_training(self.account)
        history = user_selectors.account_history(self.account, records)
        return super().get_context_data(
            title=self.account.get_full_name() or self.account.get_username(),
            records=records,
            states=states,
            history=entry_views(history, deidentified=False),
            events=user_selectors.account_sign_in_events(self.account),
            has_app=has_app(self.account),
            **kwargs,
        )


class UserChangeView(AccountMixin, FormView):
    """Role, sites and language, with a reason, from the version shown."""

    template_name = "access/users/form.html"
    form_class = forms.StaffChangeForm

    def get_initial(self):
        if self.profile is None:
            return {}
        return {
            "role": self.profile.role,
            "sites": list(self.profile.sites.all()),
            "language": self.profile.language,
            "version": self.profile.version,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Role, sites and language of %(name)s")
            % {"name": self.account.get_full_name() or self.account},
            submit=_("Save the role, sites and language"),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        saved = run_service(
            form,
            services.staff_change,
            actor=self.request.user,
            user=self.account,
            role=data["role"],
            sites=data["sites"],
            language=data.get("language", ""),
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        if saved is None:
            return self.form_invalid(form)
        messages.success(self.request, _("The role, sites and language were saved."))
        return redirect("access:user_detail", pk=self.account.pk)


class _ActivationView(AccountMixin, FormView):
    template_name = "access/users/form.html"
    form_class = forms.AccountReasonForm
    service = None
    done = ""

    def get_initial(self):
        return {"version": self.profile.version if self.profile else None}

    def form_valid(self, form):
        saved = run_service(
            form,
            type(self).service,
            actor=self.request.user,
            user=self.account,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data.get("version"),
        )
        if saved is None:
            return self.form_invalid(form)
        messages.success(self.request, str(self.done))
        return redirect("access:user_detail", pk=self.account.pk)


class UserDeactivateView(_ActivationView):
    service = services.user_deactivate
    done = gettext_lazy("The account was deactivated: it can no longer sign in.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Deactivate %(name)s") % {"name": self.account.get_full_name() or self.account},
            submit=_("Deactivate the account"),
            intro=_(
                "The person can no longer sign in or use an API token; open sessions end. "
                "Their data, signatures and history stay."
            ),
            **kwargs,
        )


class UserReactivateView(_ActivationView):
    service = services.user_reactivate
    done = gettext_lazy("The account was reactivated.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Reactivate %(name)s") % {"name": self.account.get_full_name() or self.account},
            submit=_("Reactivate the account"),
            intro=_("The person can sign in again with their role and sites."),
            **kwargs,
        )


class UserMfaResetView(AccountMixin, FormView):
    """Remove the account's authenticator app (lost or replaced phone), with a reason."""

    template_name = "access/users/form.html"
    form_class = forms.AccountReasonForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Reset two-step sign-in of %(name)s")
            % {"name": self.account.get_full_name() or self.account},
            submit=_("Reset two-step sign-in"),
            intro=_(
                "For a lost or replaced phone: the authenticator app and recovery codes of this "
                "account are removed and its sessions signed out; at the next sign-in the person "
                "sets up a new app. Check their identity first (e.g. by a call back)."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        removed = run_service(
            form,
            services.user_mfa_reset,
            actor=self.request.user,
            user=self.account,
            reason=form.cleaned_data["reason"],
            request=self.request,
        )
        if removed is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Two-step sign-in was reset."))
        return redirect("access:user_detail", pk=self.account.pk)


def _auto_id(role: str) -> str:
    """Field ids of one role's form (several forms share the page)."""
    return f"id_{role if role in TRAININGS else 'training'}_%s"


class MyTrainingView(TrialRoleRequiredMixin, TemplateView):
    """The signed-in user's training: read each guide, acknowledge it with the password."""

    template_name = "access/training.html"
    action = roles.SIGNED_IN

    def _roles(self) -> list[str]:
        """The trainings this user may acknowledge: every role that needs one, and their own."""
        own = getattr(getattr(self.request.user, "staff_profile", None), "role", "")
        wanted = [own] if own else []
        return wanted + [r for r in TRAININGS if requires_training(r) and r not in wanted]

    def get_context_data(self, form=None, **kwargs):
        user = self.request.user
        records, states = user_selectors.account_training(user)
        by_role = {state.role: state for state in states}
        items = []
        for role in self._roles():
            state = by_role[role]
            training = state.training
            bound = form if form is not None and form.data.get("role") == role else None
            items.append(
                {
                    "state": state,
                    "form": bound
                    or forms.TrainingAcknowledgeForm(
                        initial={"role": role, "guide_version": training.label},
                        auto_id=_auto_id(role),
                    ),
                }
            )
        return super().get_context_data(
            title=_("My training"), items=items, records=records, **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = forms.TrainingAcknowledgeForm(
            request.POST, auto_id=_auto_id(request.POST.get("role", ""))
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                # Not in run_service's savepoint: a wrong password is recorded as a failed
                # attempt and counts towards the lockout, as for a signature.
                signing_credentials_check(
                    user=request.user,
                    username=request.user.get_username(),
                    password=data["password"],
                    request=request,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("password", message)
            else:
                record = run_service(
                    form,
                    services.training_acknowledge,
                    user=request.user,
                    role=data["role"],
                    guide_version=data["guide_version"],
                )
                if record is not None:
                    messages.success(
                        request,
                        _("Recorded: you acknowledged the %(guide)s.")
                        % {"guide": record.guide_version},
                    )
                    return redirect(reverse("access:my_training"))
        return self.render_to_response(self.get_context_data(form=form))
