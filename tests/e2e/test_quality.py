"""The quality bar of issue 9 §5, measured in Chromium on the main pages of every role.

Accessible: every visible form control has an accessible name; every visible text meets the
WCAG 2.1 AA contrast ratio against the background painted behind it; each page has one
<main>, one <h1> and the main navigation; from the top of the dose form and the login page the
Tab key reaches "Skip to content" first, then the form fields in DOM (= visual) order, each
with a focus indicator that stands out. Responsive: at a 768×1024 tablet viewport the document
never scrolls sideways (wide tables scroll inside their own ``div.table-scroll``).

The checks run in the page (JavaScript below) and name every offending element with its
numbers, so one run lists everything to fix. One data set and one login per role; each page is
a subtest, screenshotted at tablet size into test-artifacts/e2e/<test>/.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import Page, expect

from .support import PASSWORD

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}  # tests/e2e/conftest.py VIEWPORT
TABLET = {"width": 768, "height": 1024}

# Helpers the checks share, installed once per page as window.__quality.
HELPERS = r"""
() => {
  if (window.__quality) return;
  // A short CSS path: up to 4 levels, stopping at the first id.
  const describe = (el) => {
    const parts = [];
    for (let node = el; node?.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) {
        parts.unshift(`${part}#${node.id}`);
        break;
      }
      const classes = [...node.classList].slice(0, 2);
      if (classes.length) part += "." + classes.join(".");
      const same = [...(node.parentElement?.children || [])]
        .filter((c) => c.tagName === node.tagName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  // Rendered, not transparent, bigger than the 1×1 of .visually-hidden, not off-screen left
  // (the skip link until it has the focus).
  const visible = (el) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1 && box.right > 0;
  };
  const RGB = /rgba?\(([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+)(%?))?\)/;
  const parse = (value) => {
    const m = value?.match(RGB);
    if (!m) return null;
    const alpha = m[4] === undefined ? 1 : parseFloat(m[4]) / (m[5] ? 100 : 1);
    return [+m[1], +m[2], +m[3], alpha];
  };
  const over = (top, below) =>
    [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  // The colour behind an element: its own and its ancestors' background colours, composited
  // up to the first opaque one (white under the page).
  const background = (el) => {
    const layers = [];
    for (let node = el; node?.nodeType === 1; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  // WCAG 2.x relative luminance and contrast ratio.
  const luminance = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (rgb) =>
    "#" + rgb.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  window.__quality = { describe, visible, parse, over, background, ratio, hex };
}
"""

# Visible controls (not hidden/submit/button) without a <label for>, a wrapping <label>, an
# aria-label or an aria-labelledby pointing at text.
LABELS = r"""
() => {
  const { describe, visible } = window.__quality;
  const skipped = ["hidden", "submit", "button", "reset", "image"];
  const text = (node) => (node?.textContent || "").trim();
  return [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => !skipped.includes(el.type) && visible(el))
    .filter((el) => {
      if ([...(el.labels || [])].some((label) => text(label))) return false;
      if ((el.getAttribute("aria-label") || "").trim()) return false;
      const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      return !ids.some((id) => text(document.getElementById(id)));
    })
    .map((el) => `${describe(el)} (name=${el.name || "?"}, type=${el.type})`);
}
"""

# Every element holding visible text (and every filled control): its colour (SVG: fill) over
# the background behind it, against 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
CONTRAST = r"""
() => {
  const { describe, visible, parse, over, background, ratio, hex } = window.__quality;
  const seen = new Set();
  const failures = [];
  const check = (el, colourValue) => {
    if (seen.has(el)) return;
    seen.add(el);
    const colour = parse(colourValue);
    if (!colour || !visible(el)) return;
    const style = getComputedStyle(el);
    const behind = background(el);
    const text = over(colour, behind);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const value = ratio(text, behind);
    if (value >= needed) return;
    const words = (el.innerText || el.value || el.textContent || "").trim().slice(0, 30);
    failures.push(
      `${describe(el)} "${words}": ${hex(text)} on ${hex(behind)} = ${value.toFixed(2)}:1 ` +
        `(needs ${needed}:1 at ${size}px${bold ? " bold" : ""})`,
    );
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest("script, style, template, noscript, option, title")) continue;
    const style = getComputedStyle(el);
    check(el, el instanceof SVGElement ? style.fill : style.color);
  }
  const controls = "input:not([type=hidden], [type=checkbox], [type=radio]), select, textarea";
  for (const el of document.querySelectorAll(controls)) {
    if (el.value) check(el, getComputedStyle(el).color);
  }
  return failures;
}
"""

LANDMARKS = r"""
() => ({
  main: document.querySelectorAll("main").length,
  h1: document.querySelectorAll("h1").length,
  nav: document.querySelectorAll('nav[aria-label="Main"]').length,
})
"""

# The document's width, and the outermost elements sticking out of the viewport that no
# scroll box clips (an absolutely positioned one is clipped only from its containing block up).
OVERFLOW = r"""
() => {
  const { describe } = window.__quality;
  const width = window.innerWidth;
  const clipped = (el) => {
    const position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    let node = el.parentElement;
    if (position === "absolute") {
      while (node && node !== document.body && getComputedStyle(node).position === "static") {
        node = node.parentElement;
      }
    }
    for (; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el);
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => out(el) && !(el.parentElement !== document.body && out(el.parentElement)))
    .slice(0, 8)
    .map((el) => `${describe(el)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide };
}
"""

# Start the keyboard walk at the top of the document, whatever has the focus (an autofocus).
FROM_THE_TOP = r"""
() => {
  document.activeElement?.blur();
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute("tabindex");
}
"""

# The fields of the page's form a keyboard user should reach, in DOM (= visual) order.
FORM_FIELDS = r"""
() => {
  const { describe, visible } = window.__quality;
  const form = document.querySelector("main form");
  return [...form.querySelectorAll("a[href], input, select, textarea, button")]
    .filter((el) => el.type !== "hidden" && !el.disabled && el.tabIndex >= 0 && visible(el))
    .map(describe);
}
"""

# The focused element and its focus indicator: an outline or a box-shadow, and the best
# contrast of their colours against the background around the element (WCAG 1.4.11: 3:1).
FOCUSED = r"""
() => {
  const { describe, visible, parse, background, ratio, hex } = window.__quality;
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const around = background(el.parentElement || el);
  const colours = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
    colours.push(parse(style.outlineColor));
  }
  if (style.boxShadow !== "none") {
    for (const m of style.boxShadow.matchAll(/rgba?\([^)]*\)/g)) colours.push(parse(m[0]));
  }
  const shown = colours.filter((c) => c && c[3] > 0);
  const best = Math.max(0, ...shown.map((c) => ratio(c, around)));
  const box = el.getBoundingClientRect();
  const outline = `${style.outlineStyle} ${style.outlineWidth} ${hex(parse(style.outlineColor))}`;
  return {
    selector: describe(el),
    inForm: !!el.closest("main form"),
    text: (el.innerText || el.value || "").trim().slice(0, 40),
    onScreen: visible(el) && box.left >= 0 && box.top >= 0,
    indicator: shown.length > 0,
    contrast: Math.round(best * 100) / 100,
    style: `outline ${outline}, box-shadow ${style.boxShadow}, on ${hex(around)}`,
  };
}
"""


def quality_problems(page: Page) -> list[str]:
    """Labels, contrast and landmarks of the page as shown now (desktop size)."""
    page.evaluate(HELPERS)
    problems = []
    unlabelled = page.evaluate(LABELS)
    if unlabelled:
        problems.append("form controls without an accessible name:\n  " + "\n  ".join(unlabelled))
    low = page.evaluate(CONTRAST)
    if low:
        problems.append("text below the WCAG AA contrast ratio:\n  " + "\n  ".join(low))
    counts = page.evaluate(LANDMARKS)
    if counts != {"main": 1, "h1": 1, "nav": 1}:
        problems.append(f"want one <main>, one <h1> and one Main <nav>; found {counts}")
    return problems


def tablet_problems(page: Page, shot, name: str) -> list[str]:
    """At 768×1024 the document does not scroll sideways; a screenshot either way."""
    page.set_viewport_size(TABLET)
    try:
        page.evaluate(HELPERS)
        result = page.evaluate(OVERFLOW)
        shot(f"{name}-tablet")
    finally:
        page.set_viewport_size(DESKTOP)
    if result["scrollWidth"] <= result["innerWidth"] + 1:
        return []
    return [
        f"scrolls sideways on a tablet: the document is {result['scrollWidth']}px wide in a "
        f"{result['innerWidth']}px viewport; sticking out:\n  " + "\n  ".join(result["wide"])
    ]


def check_pages(page: Page, shot, subtests, pages: dict[str, str]) -> None:
    """Open each page (name → URL) and check it: one subtest per page."""
    for name, url in pages.items():
        with subtests.test(msg=name, url=url):
            response = page.goto(url)
            assert response is not None and response.ok, f"{url}: HTTP {response.status}"
            problems = quality_problems(page) + tablet_problems(page, shot, name)
            assert not problems, f"{name} ({url}):\n" + "\n".join(problems)


def log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_investigator_pages_meet_the_quality_bar(page, shot, subtests, investigator, trial):
    patient = trial["patient"].pk
    log_in(page, investigator)
    check_pages(
        page,
        shot,
        subtests,
        {
            "home": "/",
            "patient-list": "/patients/",
            "casebook": f"/patients/{patient}/",
            "dose-form": f"/dosing/patients/{patient}/paclitaxel/PAC-C1D1/",
            "exposure": f"/dosing/patients/{patient}/",
            "lab-panel-form": f"/labs/patients/{patient}/enter/haematology/",
            "lab-results": f"/labs/patients/{patient}/",
            "lab-trend": f"/labs/patients/{patient}/trend/",
            "ae-list": "/assessments/adverse-events/",
            "ae-form": f"/assessments/patients/{patient}/adverse-events/new/",
            "ae-edit": f"/assessments/adverse-events/{trial['ae'].pk}/edit/",
            "tumour-assessments": f"/assessments/patients/{patient}/",
            "tumour-list": "/assessments/tumour/",
            "tumour-follow-up-form": f"/assessments/patients/{patient}/tumour/follow-up/",
            "endpoints": "/assessments/endpoints/",
            "query-list": "/monitoring/queries/",
            "query-answer": f"/monitoring/queries/{trial['query'].pk}/",
            "deviations": "/deviations/",
            "deviation-detail": f"/deviations/{trial['deviation'].pk}/",
            "help": "/help/",
        },
    )


def test_monitor_pages_meet_the_quality_bar(page, shot, subtests, monitor, trial):
    patient, dose = trial["patient"].pk, trial["dose"]
    record = f"/monitoring/records/{ContentType.objects.get_for_model(dose).pk}/{dose.pk}/"
    log_in(page, monitor)
    check_pages(
        page,
        shot,
        subtests,
        {
            "home": "/",
            "monitoring-home": "/monitoring/",
            "audit-trail": "/monitoring/audit/",
            "query-list": "/monitoring/queries/",
            "query-detail": f"/monitoring/queries/{trial['query'].pk}/",
            "record": record,
            "sdv-progress": "/monitoring/sdv/",
            "monitoring-patient": f"/monitoring/patients/{patient}/",
            "signatures": f"/monitoring/patients/{patient}/signatures/",
            "casebook": f"/patients/{patient}/",
            "deviations": "/deviations/",
        },
    )


def test_statistician_pages_meet_the_quality_bar(page, shot, subtests, statistician, trial):
    log_in(page, statistician)
    check_pages(
        page,
        shot,
        subtests,
        {
            "home": "/",
            "dashboard": "/dashboard/",
            "exports": "/exports/",
            "patient-list": "/patients/",
        },
    )


def test_coordinator_and_data_manager_pages_meet_the_quality_bar(
    page, shot, subtests, coordinator, data_manager, trial
):
    log_in(page, coordinator)
    check_pages(page, shot, subtests, {"home-coordinator": "/"})
    page.get_by_role("button", name="Log out").click()
    log_in(page, data_manager)
    check_pages(
        page,
        shot,
        subtests,
        {
            "home-data-manager": "/",
            "cohorts": "/patients/cohorts/",
            "exports-data-manager": "/exports/",
        },
    )


def test_login_page_meets_the_quality_bar(page, shot, subtests):
    check_pages(page, shot, subtests, {"login": "/accounts/login/"})


def tab_through_form(page: Page) -> tuple[list[dict], list[str]]:
    """Press Tab from the top of the page until the last field of the main form has the focus.

    Returns where the focus stopped (each element once, in order: a date input keeps the focus
    for its day, month and year) and the form's fields in DOM order.
    """
    page.evaluate(HELPERS)
    page.evaluate(FROM_THE_TOP)
    fields = page.evaluate(FORM_FIELDS)
    stops: list[dict] = []
    for _ in range(len(fields) * 4 + 40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and (not stops or stops[-1]["selector"] != focused["selector"]):
            stops.append(focused)
        if focused and focused["selector"] == fields[-1]:
            break
    return stops, fields


def assert_keyboard_order(stops: list[dict], fields: list[str]) -> None:
    assert stops, "the Tab key moves the focus nowhere"
    first = stops[0]
    assert first["text"] == "Skip to content" and first["onScreen"], (
        f"the first Tab stop is not a visible 'Skip to content' link: {first}"
    )
    reached = [stop["selector"] for stop in stops if stop["inForm"]]
    assert reached == fields, (
        f"Tab does not go through the form in order:\n  reached:  {reached}\n  DOM:      {fields}"
    )
    unseen = [
        f"{stop['selector']} ({stop['style']}; best {stop['contrast']}:1)"
        for stop in stops
        if not stop["indicator"] or stop["contrast"] < 3
    ]
    assert not unseen, "focus indicator missing or under 3:1:\n  " + "\n  ".join(unseen)


def test_login_page_keyboard_order_starts_with_the_skip_link_and_shows_the_focus(page, shot):
    page.goto("/accounts/login/")
    # The username field has the focus when the page opens (Django's autofocus) …
    expect(page.get_by_label("Username")).to_be_focused()
    # … and from the top of the page: skip link, header links, then the form in order.
    stops, fields = tab_through_form(page)
    shot("focus-on-log-in")
    assert fields == [
        "input#id_username",
        "input#id_password",
        "main#main > form.card.narrow > button",
    ]
    assert_keyboard_order(stops, fields)


def test_dose_form_keyboard_order_starts_with_the_skip_link_and_shows_the_focus(
    page, shot, investigator, enrolled
):
    patient = enrolled(c1d1_days_ago=0)
    log_in(page, investigator)
    page.goto(f"/dosing/patients/{patient.pk}/paclitaxel/PAC-C1D1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paclitaxel C1D1")
    stops, fields = tab_through_form(page)
    shot("focus-on-save")
    assert fields[0] == "input#id_administration_date" and "input#id_actual_dose_mg" in fields
    assert_keyboard_order(stops, fields)


BROKEN_PAGE = """<!doctype html><html lang="en"><body style="margin:0">
<main><h1>Broken on purpose</h1><h1>Second heading</h1>
<p id="pale" style="color:#999">Pale grey text on white</p>
<p id="big" style="color:#888;font-size:30px">Large text passes at 3.5:1</p>
<div style="background:#0d2840"><span id="dark" style="color:#333">Dark on navy</span></div>
<input id="unnamed" name="unnamed"><label>Wrapped <input id="wrapped"></label>
<input id="aria" aria-label="Named"><span id="n">Name</span><input aria-labelledby="n">
<table id="wide" style="width:1400px"><tr><td>wide</td></tr></table>
<div style="overflow-x:auto"><table style="width:1400px"><tr><td>scrolls in its box</td></tr>
</table></div>
</main></body></html>"""


def test_the_checks_find_what_they_look_for(page, shot):
    """Guards the checks themselves: a page broken on purpose fails each of them."""
    page.set_content(BROKEN_PAGE)
    problems = "\n".join(quality_problems(page))
    assert "input#unnamed" in problems and "input#wrapped" not in problems
    assert "p#pale" in problems and "#999999 on #ffffff = 2.85:1" in problems
    assert "span#dark" in problems and "p#big" not in problems
    assert "{'main': 1, 'h1': 2, 'nav': 0}" in problems
    tablet = "\n".join(tablet_problems(page, shot, "broken"))
    assert "document is 1400px wide" in tablet and "table#wide" in tablet
    assert "scrolls in its box" not in tablet and tablet.count("right edge") == 1
