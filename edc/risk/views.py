"""The site-risk pages: every visible site's indicators and findings, and one site in depth.

Monitors see their own sites; the data manager every site. Submitting (refresh, a note, a
visit) needs ``ACT_ON_SITE_RISK``; the page's figures come from the latest stored run, so a
page costs the same few queries whatever the size of the trial (the drill-down reads one
site's facts in a fixed number of queries).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from edc.access import roles
from edc.web import TrialRoleRequiredMixin, run_service

from . import charts, kri, selectors, services
from .forms import NoteForm, VisitForm
from .models import Level

# The symbol and CSS class of each level; its word is the level's (translated) label.
LEVEL_TEXT = {
    Level.OK: ("✓", Level.OK.label, "fs-verified"),
    Level.WATCH: ("▲", Level.WATCH.label, "fs-in-progress"),
    Level.ACT: ("●", Level.ACT.label, "fs-queried"),
    Level.NONE: ("–", Level.NONE.label, "fs-empty"),
}


def value_text(code: str, value) -> str:
    if value is None:
        return "—"
    ind = kri.INDICATORS_BY_CODE[code]
    text = f"{value:.{ind.decimals}f}"
    return f"{text} %" if ind.unit == "%" else text


def threshold_text(code: str) -> str:
    ind = kri.INDICATORS_BY_CODE[code]
    if code not in settings.RISK_KRI_THRESHOLDS:
        return ""
    watch, act = settings.RISK_KRI_THRESHOLDS[code]
    unit = " %" if ind.unit == "%" else f" {ind.unit}"
    watch_text, act_text = f"{watch}{unit}", f"{act}{unit}"
    if ind.low_is_risk:
        if act <= 0:  # nothing is below zero: watch only
            return _("watch below %(watch)s") % {"watch": watch_text}
        return _("watch below %(watch)s, act below %(act)s") % {
            "watch": watch_text,
            "act": act_text,
        }
    return _("watch from %(watch)s, act from %(act)s") % {"watch": watch_text, "act": act_text}


def level_badge(level: str) -> dict:
    icon, text, css = LEVEL_TEXT[Level(level)]
    return {"icon": icon, "text": str(text), "css": css}


def indicator_columns() -> list[dict]:
    return [
        {
            "code": i.code,
            "label": i.label,
            "unit": i.unit,
            "definition": i.text,
            "thresholds": threshold_text(i.code),
        }
        for i in kri.INDICATORS
    ]


def cells(values: dict, levels: dict | None) -> list[dict]:
    out = []
    for i in kri.INDICATORS:
        value = values.get(i.code)
        level = (levels or {}).get(i.code) or kri.level_of(i.code, value)
        out.append(
            {
                "code": i.code,
                "label": i.label,
                "unit": "" if i.unit == "%" else i.unit,
                "value": value_text(i.code, value),
                "badge": level_badge(level),
                "thresholds": threshold_text(i.code),
            }
        )
    return out


class RiskOverviewView(TrialRoleRequiredMixin, TemplateView):
    template_name = "risk/overview.html"
    action = roles.VIEW_SITE_RISK
    post_action = roles.ACT_ON_SITE_RISK

    def get_context_data(self, **kwargs):
        user = self.request.user
        run = selectors.latest_run()
        rows = [
            {
                "site": row.site,
                "badge": level_badge(row.level),
                "cells": cells(row.values, row.levels),
                "findings": row.findings,
            }
            for row in selectors.site_rows_for(user, run)
        ]
        others = selectors.others_row(user, run)
        return super().get_context_data(
            run=run,
            rows=rows,
            others=others,
            other_cells=cells(others["values"], None) if others and others["values"] else None,
            min_anonymous=selectors.ANONYMOUS_MIN_SITES,
            columns=indicator_columns(),
            can_act=roles.role_can(user, roles.ACT_ON_SITE_RISK),
            **kwargs,
        )

    def post(self, request):
        run = services.risk_refresh(user=request.user)
        messages.success(
            request,
            _("Indicators recomputed over %(patients)s patients in %(seconds)s s.")
            % {"patients": run.patients, "seconds": f"{run.seconds:.1f}"},
        )
        return redirect("risk:overview")


class SiteRiskView(TrialRoleRequiredMixin, TemplateView):
    template_name = "risk/site.html"
    action = roles.VIEW_SITE_RISK
    post_action = roles.ACT_ON_SITE_RISK

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.site = selectors.site_get_for_user(user=request.user, code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, note_form=None, visit_form=None, **kwargs):
        run = selectors.latest_run()
        row = selectors.site_row(run=run, site=self.site)
        code = self.request.GET.get("indicator", "")
        indicator = kri.INDICATORS_BY_CODE.get(code)
        patients, records = (
            selectors.drill_down(site=self.site, code=code) if indicator else ([], [])
        )
        trend = charts.trend_figure(
            site_code=self.site.code,
            own=row.trend if row else None,
            others=selectors.pooled_trend(run=run, site=self.site),
        )
        return super().get_context_data(
            site=self.site,
            run=run,
            row=row,
            badge=level_badge(row.level) if row else None,
            cells=cells(row.values, row.levels) if row else [],
            indicator=indicator,
            indicator_thresholds=threshold_text(code) if indicator else "",
            patients=[{"line": p, "value": value_text(code, p.value)} for p in patients],
            records=records,
            trend=trend,
            notes=selectors.notes_for(site=self.site),
            visits=selectors.visits_for(site=self.site),
            can_act=roles.role_can(self.request.user, roles.ACT_ON_SITE_RISK, self.site),
            note_form=note_form or NoteForm(prefix="note", initial={"indicator": code}),
            visit_form=visit_form or VisitForm(prefix="visit"),
            **kwargs,
        )

    def post(self, request, code):
        what = request.POST.get("note-what") or request.POST.get("visit-what")
        if what == "visit":
            form = VisitForm(request.POST, prefix="visit")
            if form.is_valid() and run_service(
                form,
                services.visit_schedule,
                user=request.user,
                site=self.site,
                planned_on=form.cleaned_data["planned_on"],
                kind=form.cleaned_data["kind"],
                purpose=form.cleaned_data["purpose"],
            ):
                messages.success(request, _("Monitoring visit scheduled."))
                return redirect("risk:site", code=self.site.code)
            return self.render_to_response(self.get_context_data(visit_form=form))
        form = NoteForm(request.POST, prefix="note")
        if form.is_valid() and run_service(
            form,
            services.site_note_add,
            user=request.user,
            site=self.site,
            text=form.cleaned_data["text"],
            indicator=form.cleaned_data["indicator"],
        ):
            messages.success(request, _("Note saved."))
            return redirect("risk:site", code=self.site.code)
        return self.render_to_response(self.get_context_data(note_form=form))
