"""Pages of the monitor workspace. Thin: forms in, services and selectors out.

Read pages are open to every trial role (site-scoped by the selectors); each write checks the
role in its service (PermissionDenied → 403) and shows refusals next to the form fields.
"""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from edc import protocol
from edc.access import roles
from edc.access.credentials import LOCKOUT_POLICY
from edc.access.roles import is_deidentified
from edc.access.selectors import user_role
from edc.audit.display import (
    EXPORT_COLUMNS,
    WITHHELD,
    csv_rows,
    entry_views,
    field_label,
    value_text,
)
from edc.audit.privacy import withheld_fields_of
from edc.audit.selectors import (
    SORTS,
    AuditFilters,
    audit_entries_filter,
    audit_entries_for_user,
    audit_entries_page,
    record_history,
)
from edc.exports.constants import Channel, ExportFormat
from edc.exports.services import export_log_start, logged_stream
from edc.exports.validators import ExportParams
from edc.exports.writers import RowCount
from edc.web import TrialRoleRequiredMixin, run_service
from patients.models import CalendarEvent
from patients.selectors import patient_casebook, patient_get_for_user, patient_timeline
from patients.services import eligibility_of

from . import casebook, forms, selectors, services
from . import permissions as perms
from .constants import CASEBOOK, LockScope, QueryStatus
from .formstatus import FormStatus

AUDIT_PAGE_SIZE = 50


def _role_flags(user) -> dict:
    return {
        "can_raise": perms.can_raise_query(user),
        "can_answer": perms.can_answer_query(user),
        "can_close": perms.can_close_query(user),
        "can_verify": perms.can_verify(user),
        "can_sign": perms.can_sign(user),
        "can_lock": perms.can_lock(user),
        "deidentified": is_deidentified(user),
    }


def _show_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


class HomeView(TrialRoleRequiredMixin, TemplateView):
    """The workspace: queries waiting per site and form, SDV progress per site."""

    template_name = "monitoring/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            by_site=selectors.query_counts_by_site(user=user),
            by_form=selectors.query_counts_by_form(user=user),
            sdv_by_site=selectors.sdv_progress_by_site(user=user),
            **_role_flags(user),
            **kwargs,
        )


# ------------------------------------------------------------------------- audit trail


def _audit_queryset(request):
    """The filtered, scoped entries of a review request, or None when the filters are invalid."""
    form = forms.AuditFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.filters() if form.is_bound else AuditFilters()
    qs = audit_entries_filter(audit_entries_for_user(request.user), filters, user=request.user)
    return form, qs


class AuditTrailView(TrialRoleRequiredMixin, TemplateView):
    """Every change of every form the user may see: filterable, sortable, paginated."""

    template_name = "monitoring/audit_list.html"

    def get_context_data(self, **kwargs):
        form, qs = _audit_queryset(self.request)
        page = (form.cleaned_data.get("page") if form.is_bound and qs is not None else None) or 1
        entries, has_next = ([], False)
        if qs is not None:
            entries, has_next = audit_entries_page(qs, page=page, size=AUDIT_PAGE_SIZE)
        params = self.request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        sort_params = params.copy()
        sort_params.pop("sort", None)
        return super().get_context_data(
            form=form,
            entries=entry_views(
                entries, deidentified=is_deidentified(self.request.user), read_records=False
            ),
            page=page,
            has_next=has_next,
            query=query,
            sort_query=sort_params.urlencode(),
            sorts=[(key, forms.SORT_LABELS.get(key, key)) for key in SORTS],
            deidentified=is_deidentified(self.request.user),
            **kwargs,
        )


# What an export-log row names for a download of the audit trail (page CSV or API list).
AUDIT_TRAIL = "AUDIT"


def audit_log_filters(form, query, extra: tuple[str, ...] = ()) -> dict:
    """The filters a download of the audit trail applied, as its export log records them.

    Only the fields the (valid) filter form has — a statistician's form has no ``user`` — plus
    ``extra`` parameters, and only those given; ``page`` never applies to a download.
    """
    names = [name for name in form.fields if name != "page"] + list(extra)
    return {name: query.get(name) for name in names if query.get(name)}


def _counted(rows, counter: RowCount):
    """Pass the CSV rows through, counting those after the header."""
    rows = iter(rows)
    yield next(rows)
    for row in rows:
        counter.rows += 1
        yield row


class Echo:
    """A write-only buffer: csv.writer hands each row straight to the streaming response."""

    def write(self, value):
        return value


class AuditExportView(TrialRoleRequiredMixin, View):
    """The filtered audit trail as CSV (one row per changed field), streamed; logged like
    every export (who, filters, rows) when the download starts and when its last row leaves."""

    def get(self, request):
        form, qs = _audit_queryset(request)
        if qs is None:
            return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
        log = export_log_start(
            user=request.user,
            what=AUDIT_TRAIL,
            fmt=ExportFormat.CSV,
            channel=Channel.WEB,
            params=ExportParams(),
            extra_filters=audit_log_filters(form, request.GET),
        )
        writer = csv.writer(Echo())
        values = qs.values(*EXPORT_COLUMNS).iterator(chunk_size=2000)
        counter = RowCount()
        rows = _counted(csv_rows(values, deidentified=is_deidentified(request.user)), counter)
        response = StreamingHttpResponse(
            logged_stream((writer.writerow(row) for row in rows), log=log, counter=counter),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response


# ------------------------------------------------------------------------------ records


class RecordMixin(TrialRoleRequiredMixin):
    """A page about one audited record (content type id + object id in the URL)."""

    trial_data_only = True  # queries, SDV and locks apply to trial data only

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) is not None:
            self.record = selectors.record_get_for_user(
                user=request.user,
                content_type_id=kwargs["ct"],
                object_id=kwargs["pk"],
                trial_data_only=self.trial_data_only,
            )
        return super().dispatch(request, *args, **kwargs)

    def record_url(self) -> str:
        return reverse(
            "monitoring:record", args=[self.record.content_type.pk, self.record.object_id]
        )


class RecordView(RecordMixin, TemplateView):
    """A record's current values, its whole history as a diff timeline, SDV, queries, lock.

    Any audited record opens here (a query's or a lock's own history too); the monitoring
    actions are offered on trial data only.
    """

    template_name = "monitoring/record.html"
    trial_data_only = False

    def get_context_data(self, **kwargs):
        user = self.request.user
        record = self.record
        deidentified = is_deidentified(user)
        withheld = withheld_fields_of(record.model._meta.label_lower)
        values = []
        if record.instance is not None:
            for name in record.field_names():
                field = record.model._meta.get_field(name)
                value = getattr(record.instance, field.attname)
                hidden = deidentified and name in withheld
                values.append(
                    {
                        "name": name,
                        "label": field_label(record.model, name),
                        "value": _(WITHHELD) if hidden else value_text(record.model, name, value),
                    }
                )
        history = record_history(
            user=user, content_type_id=record.content_type.pk, object_id=record.object_id
        )
        flags = _role_flags(user)
        if not record.is_trial_data:
            flags.update(can_raise=False, can_verify=False, can_lock=False)
        return super().get_context_data(
            record=record,
            values=values,
            history=entry_views(history, deidentified=deidentified),
            marks=selectors.sdv_marks_for_record(record=record),
            queries=selectors.queries_for_record(user=user, record=record),
            locked=record.is_trial_data and selectors.record_is_locked(record),
            raise_form=forms.QueryRaiseForm(record=record) if flags["can_raise"] else None,
            sdv_form=(
                forms.SdvMarkForm(record=record, initial={"version": record.version})
                if flags["can_verify"] and record.instance is not None
                else None
            ),
            lock_form=forms.ReasonForm() if flags["can_lock"] else None,
            **flags,
            **kwargs,
        )


class RecordFormView(RecordMixin, FormView):
    template_name = "form.html"
    title = ""
    form_takes_record = True

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "record": self.record} if self.form_takes_record else kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=f"{self.title} — {self.record.label}", record=self.record, **kwargs
        )


class QueryRaiseView(RecordFormView):
    """Raise a query on a field of a record (``?field=<name>`` preselects the field)."""

    form_class = forms.QueryRaiseForm
    title = gettext_lazy("Raise a query")

    action = roles.RAISE_QUERY

    def get_initial(self):
        return {"field": self.request.GET.get("field", "")}

    def form_valid(self, form):
        query = run_service(
            form,
            services.query_raise,
            user=self.request.user,
            record=self.record,
            field=form.cleaned_data["field"],
            question=form.cleaned_data["question"],
        )
        if query is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Query #%(id)s raised.") % {"id": query.pk})
        return redirect("monitoring:query", pk=query.pk)


class SdvMarkView(RecordFormView):
    form_class = forms.SdvMarkForm
    title = gettext_lazy("Source-data verification")

    action = roles.VERIFY_SOURCE

    def get_initial(self):
        return {"field": self.request.GET.get("field", ""), "version": self.record.version}

    def form_valid(self, form):
        mark = run_service(
            form,
            services.sdv_mark,
            user=self.request.user,
            record=self.record,
            field=form.cleaned_data["field"],
            expected_version=form.cleaned_data["version"],
        )
        if mark is None:
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(record)s marked source-verified.") % {"record": self.record.label}
        )
        return redirect(self.record_url())


class RecordLockView(RecordFormView):
    form_class = forms.ReasonForm
    form_takes_record = False
    title = gettext_lazy("Lock this record")

    action = roles.LOCK

    def form_valid(self, form):
        lock = run_service(
            form,
            services.lock_create,
            user=self.request.user,
            scope=LockScope.RECORD,
            record=self.record,
            reason=form.cleaned_data["reason"],
        )
        if lock is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(record)s locked.") % {"record": self.record.label})
        return redirect(self.record_url())


# ---------------------------------------------------------------------------- queries


class QueryListView(TrialRoleRequiredMixin, ListView):
    """Queries of the user's sites, filtered by status, site and patient."""

    template_name = "monitoring/query_list.html"
    context_object_name = "queries"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        self.form = forms.QueryFilterForm(self.request.GET or None, user=user)
        qs = selectors.queries_for_user(user)
        if self.form.is_bound and self.form.is_valid():
            data = self.form.cleaned_data
            qs = selectors.queries_filter(
                qs,
                status=data["status"],
                site=data["site"].pk if data["site"] else None,
                patient=data["patient"].pk if data["patient"] else None,
            )
        return qs

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(
            form=self.form, query=params.urlencode(), **_role_flags(self.request.user), **kwargs
        )


class QueryDetailView(TrialRoleRequiredMixin, TemplateView):
    """The query, its record and thread, and the moves the user's role may make."""

    template_name = "monitoring/query_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) is not None:
            self.query = selectors.query_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def detail_context(self, **forms_in_use):
        user = self.request.user
        query = self.query
        flags = _role_flags(user)
        linked = list(selectors.query_linked_changes(query=query))
        status = query.status
        context = {
            "query": query,
            "thread": query.messages.select_related("author", "linked_change"),
            "linked_changes": linked,
            "record_url": reverse(
                "monitoring:record", args=[query.content_type_id, query.object_id]
            ),
            **flags,
        }
        if flags["can_answer"] and status == QueryStatus.OPEN:
            context["answer_form"] = forms.QueryAnswerForm(
                linked_reasons=[e.reason for e in linked]
            )
        if flags["can_close"] and status != QueryStatus.CLOSED:
            context["close_form"] = forms.QueryCloseForm()
        if flags["can_close"] and status != QueryStatus.OPEN:
            context["reopen_form"] = forms.QueryReopenForm()
        context.update(forms_in_use)
        return context

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.detail_context(), **kwargs)


class QueryMoveView(QueryDetailView):
    """POST one move (answer, close, re-open); errors re-render the detail page."""

    http_method_names = ["post"]
    form_class: type = forms.QueryCloseForm
    context_name = ""
    done = ""

    def make_form(self):
        return self.form_class(self.request.POST)

    def post(self, request, *args, **kwargs):
        form = self.make_form()
        if form.is_valid() and run_service(form, self.perform, form=form) is not None:
            messages.success(request, self.done)
            return redirect("monitoring:query", pk=self.query.pk)
        context = self.detail_context(**{self.context_name: form})
        return self.render_to_response(context)


class QueryAnswerView(QueryMoveView):
    action = roles.ANSWER_QUERY
    context_name = "answer_form"
    done = gettext_lazy("Answer sent to the monitor.")

    def make_form(self):
        linked = [e.reason for e in selectors.query_linked_changes(query=self.query)]
        return forms.QueryAnswerForm(self.request.POST, linked_reasons=linked)

    def perform(self, *, form):
        return services.query_answer(
            query=self.query,
            user=self.request.user,
            text=form.cleaned_data["text"],
            linked_change_reason=form.cleaned_data["linked_change_reason"] or None,
        )


class QueryCloseView(QueryMoveView):
    action = roles.RAISE_QUERY
    form_class = forms.QueryCloseForm
    context_name = "close_form"
    done = gettext_lazy("Query closed.")

    def perform(self, *, form):
        return services.query_close(
            query=self.query, user=self.request.user, note=form.cleaned_data["note"]
        )


class QueryReopenView(QueryMoveView):
    action = roles.RAISE_QUERY
    form_class = forms.QueryReopenForm
    context_name = "reopen_form"
    done = gettext_lazy("Query re-opened and sent back to the site.")

    def perform(self, *, form):
        return services.query_reopen(
            query=self.query, user=self.request.user, reason=form.cleaned_data["reason"]
        )


# ----------------------------------------------------------- patients: SDV and signatures


class PatientMonitoringView(TrialRoleRequiredMixin, TemplateView):
    """A casebook as the monitor sees it: every record with its SDV and query state."""

    template_name = "monitoring/patient.html"

    def get_context_data(self, **kwargs):
        patient = patient_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(
            patient=patient,
            records=selectors.casebook_records(patient=patient),
            signatures=selectors.signatures_for_patient(patient=patient),
            **_role_flags(self.request.user),
            **kwargs,
        )


def _sign_scopes(patient) -> list[tuple[str, str]]:
    events = CalendarEvent.objects.filter(patient=patient).order_by("planned_date", "code")
    return [(CASEBOOK, _("The whole casebook"))] + [
        (e.code, _("Event %(code)s — %(label)s") % {"code": e.code, "label": e.label})
        for e in events
    ]


class SignatureView(TrialRoleRequiredMixin, FormView):
    """List a patient's signatures; investigators of the site sign with ID and password."""

    template_name = "monitoring/signatures.html"
    form_class = forms.SignForm
    post_action = roles.SIGN

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) is not None:
            self.patient = patient_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scopes": _sign_scopes(self.patient)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            patient=self.patient,
            signatures=selectors.signatures_for_patient(patient=self.patient),
            lockout_policy=LOCKOUT_POLICY,
            **_role_flags(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        # Not run_service: its savepoint would roll back the recorded failed attempt, which
        # must count towards the lockout. The service leaves nothing else behind on refusal.
        try:
            services.signature_sign(
                user=self.request.user,
                patient=self.patient,
                request=self.request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _show_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Signed."))
        return redirect("monitoring:signatures", pk=self.patient.pk)


class SignatureDetailView(TrialRoleRequiredMixin, TemplateView):
    template_name = "monitoring/signature_detail.html"

    def get_context_data(self, **kwargs):
        signature = selectors.signature_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        changes = selectors.signature_changes_since(signature=signature)
        return super().get_context_data(
            signature=signature,
            content_matches=services.signature_verify(signature),
            changes=entry_views(changes, deidentified=is_deidentified(self.request.user)),
            **_role_flags(self.request.user),
            **kwargs,
        )


class SdvProgressView(TrialRoleRequiredMixin, TemplateView):
    template_name = "monitoring/sdv_progress.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            by_site=selectors.sdv_progress_by_site(user=user),
            by_patient=selectors.sdv_progress_by_patient(user=user),
            **kwargs,
        )


# ------------------------------------------------------------------------------- locks


class LockListView(TrialRoleRequiredMixin, FormView):
    """Locks of the user's sites and of the database; data managers lock and unlock here."""

    template_name = "monitoring/locks.html"
    form_class = forms.LockForm
    post_action = roles.LOCK

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            locks=selectors.locks_for_user(self.request.user)[:200],
            unlock_form=forms.ReasonForm(),
            **_role_flags(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        lock = run_service(form, services.lock_create, user=self.request.user, **form.cleaned_data)
        if lock is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(scope)s locked.") % {"scope": lock.get_scope_display()})
        return redirect("monitoring:locks")


class UnlockView(TrialRoleRequiredMixin, FormView):
    template_name = "form.html"
    form_class = forms.ReasonForm
    action = roles.LOCK

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) is not None:
            self.lock = selectors.lock_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Unlock — %(lock)s") % {"lock": self.lock}, **kwargs
        )

    def form_valid(self, form):
        lock = run_service(
            form,
            services.lock_release,
            lock=self.lock,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        if lock is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Unlocked."))
        return redirect("monitoring:locks")


# ------------------------------------------------------------------------- the casebook

# The data-entry page of each kind of calendar event (by URL name).
EVENT_FORMS = {
    protocol.PACLITAXEL: "dosing:paclitaxel",
    protocol.IMP321: "dosing:imp321",
    protocol.TUMOUR: "assessments:tumour_event",
    protocol.IMMUNE: "labs:immune_draw",
}


class PatientCasebookView(TrialRoleRequiredMixin, TemplateView):
    """One patient's casebook (served as ``patients:detail``): registry data, consent,
    eligibility and the calendar with each form's status (``casebook``), which reads the
    clinical apps and monitoring, so the page lives here rather than in ``patients``."""

    template_name = "patients/patient_detail.html"

    def get_context_data(self, **kwargs):
        patient = patient_casebook(user=self.request.user, pk=self.kwargs["pk"])
        answers = {a.criterion: a for a in patient.eligibility.all()}
        result = eligibility_of(patient)  # the answers and the prior cancer therapy
        events = patient.calendar.all()
        forms = casebook.patient_form_statuses(patient=patient, events=events)
        timeline, next_event, cycle_day = patient_timeline(
            patient=patient, events=events, forms=forms.events
        )
        return super().get_context_data(
            patient=patient,
            timeline=timeline,
            next_event=next_event,
            cycle_day=cycle_day,
            event_forms=EVENT_FORMS,
            patient_forms=forms.patient_forms,
            to_enter=casebook.timeline_forms_to_enter(timeline),
            form_statuses=list(FormStatus),
            consents=list(patient.consents.all()),
            criteria=[(c, answers.get(c.code)) for c in protocol.ELIGIBILITY_CRITERIA],
            eligibility=result,
            can_enter=roles.can_enter_data(self.request.user),
            **kwargs,
        )
