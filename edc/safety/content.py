"""What a report says in words: its narrative and its coded labels, in the active language.

A report's content is stored in English (``services.report_content``); a page, e-mail or PDF in
another language shows the labels the catalogue translates and the narrative rebuilt from the
coded values. The CTCAE term, MedDRA code and the trial's identifiers stay as they are.
"""

from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def day_text(value: str | None) -> str:
    return date_format(parse_date(value)) if value else ""


def label_text(value: str) -> str:
    """A coded value's label stored in English (a choice label), in the reader's language."""
    return _(value) if value else value


def write_narrative(content: dict) -> str:
    """The case in words, from coded values only (the site's own text stays in the EDC).

    Written in the active language: stored in English with the report, rebuilt from the coded
    values when a page, e-mail or PDF shows it in another language (``narrative``)."""
    parts = [
        _("A patient of %(cohort)s had %(term)s, CTCAE grade %(grade)s, starting %(start)s.")
        % {
            "cohort": content["cohort"] or _("the trial"),
            "term": content["term"],
            "grade": content["grade"],
            "start": day_text(content["start_date"]),
        }
    ]
    if content["serious"]:
        criteria = "; ".join(label_text(c) for c in content["criteria"]).lower()
        parts.append(_("Seriousness: %(criteria)s.") % {"criteria": criteria})
    else:
        parts.append(_("The event is no longer considered serious."))
    pac, imp = content["last_paclitaxel"], content["last_imp321"]
    parts.append(
        _(
            "Last paclitaxel dose before onset: %(dose)s mg on %(date)s (cycle %(cycle)s, "
            "day %(day)s)."
        )
        % {
            "dose": pac["dose_mg"],
            "date": day_text(pac["date"]),
            "cycle": pac["cycle"],
            "day": pac["day"],
        }
        if pac
        else _("No paclitaxel was given before onset.")
    )
    parts.append(
        _("Last IMP321 injection before onset: number %(number)s, %(dose)s mg on %(date)s.")
        % {"number": imp["number"], "dose": imp["dose_mg"], "date": day_text(imp["date"])}
        if imp
        else _("No IMP321 was injected before onset.")
    )
    action = label_text(content["action_taken"]).lower()
    outcome = label_text(content["outcome"]).lower()
    if content["death_date"]:
        parts.append(
            _("Action taken: %(action)s. Outcome: %(outcome)s, death on %(death)s.")
            % {"action": action, "outcome": outcome, "death": day_text(content["death_date"])}
        )
    else:
        parts.append(
            _("Action taken: %(action)s. Outcome: %(outcome)s.")
            % {"action": action, "outcome": outcome}
        )
    parts.append(
        _("Causality assessed by the investigator: paclitaxel %(paclitaxel)s; IMP321 %(imp321)s.")
        % {
            "paclitaxel": label_text(content["relation_paclitaxel"]).lower(),
            "imp321": label_text(content["relation_imp321"]).lower(),
        }
    )
    return " ".join(parts)


def narrative(content: dict) -> str:
    """The report's narrative in the active language (English: exactly as stored and sent)."""
    if (translation.get_language() or "en").split("-")[0] == "en":
        return content.get("narrative", "")
    try:
        return write_narrative(content)
    except (KeyError, TypeError):  # a report stored by an older release: as it was written
        return content.get("narrative", "")


def shown(content: dict) -> dict:
    """The report's content with its coded labels in the reader's language (stored English)."""
    return {
        **content,
        "sex": label_text(content.get("sex", "")),
        "criteria": [label_text(c) for c in content.get("criteria") or []],
        "outcome": label_text(content.get("outcome", "")),
        "action_taken": label_text(content.get("action_taken", "")),
        "relation_paclitaxel": label_text(content.get("relation_paclitaxel", "")),
        "relation_imp321": label_text(content.get("relation_imp321", "")),
        "narrative": narrative(content),
    }
