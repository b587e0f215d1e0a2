// The error summary of a form (templates/_error_summary.html): focused when the page opens so
// it is read first; each link moves the focus to its field (the browser alone would only
// scroll there), with the field's label in view.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary || summary.getAttribute("data-ready")) { return; }
  summary.setAttribute("data-ready", "1");
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    event.preventDefault();
    var focusable = "input:not([type=hidden]), select, textarea, button";
    var input = target.matches(focusable) ? target : target.querySelector(focusable);
    var box = target.closest(".field, fieldset, td, section") || target;
    box.scrollIntoView({ block: "start" });
    (input || target).focus({ preventScroll: true });
  });
})();
