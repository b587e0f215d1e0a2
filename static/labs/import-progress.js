/* Progress of a central-lab import: polls the batch's status URL and updates the page.
   Vendored, no dependency. Without JavaScript the page refreshes itself (<noscript> meta). */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.running !== "true") { return; }
  var url = box.dataset.statusUrl;
  var delay = 1500;

  function show(data) {
    Object.keys(data).forEach(function (key) {
      box.querySelectorAll('[data-field="' + key + '"]').forEach(function (el) {
        if (el.tagName === "PROGRESS") { el.value = data[key]; el.textContent = data[key] + " %"; }
        else { el.textContent = data[key]; }
      });
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.running) {
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();  // the report and the commit button are server-rendered
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
