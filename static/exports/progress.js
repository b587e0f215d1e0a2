/* Progress of an export package: polls the job's status URL and updates the page; when the
   package is ready (or failed) the page reloads to show the download link and the manifest.
   Vendored, no dependency. Without JavaScript the page refreshes itself (<noscript> meta). */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || box.dataset.running !== "true") { return; }
  var url = box.dataset.statusUrl;
  var delay = 1000;

  function show(data) {
    Object.keys(data).forEach(function (key) {
      box.querySelectorAll('[data-field="' + key + '"]').forEach(function (el) {
        if (el.tagName === "PROGRESS") { el.value = data[key]; el.textContent = data[key] + " %"; }
        else { el.textContent = data[key] === null ? "" : data[key]; }
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
        if (data.running) { window.setTimeout(poll, delay); } else { window.location.reload(); }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
