// Live BSA / planned dose / hold check while the user types. The numbers come from the
// server (dosing.services.paclitaxel_preview), so the browser never re-implements the maths.
(function () {
  "use strict";
  var box = document.getElementById("dose-preview");
  if (!box) { return; }
  var url = box.getAttribute("data-preview-url");
  var ids = { date: "id_administration_date", height: "id_height_cm", weight: "id_weight_kg", level: "id_dose_level_mg_m2" };
  var timer = null;
  function value(id) { var el = document.getElementById(id); return el ? el.value : ""; }
  function refresh() {
    var query = Object.keys(ids).map(function (k) { return k + "=" + encodeURIComponent(value(ids[k])); }).join("&");
    fetch(url + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("bsa").textContent = data.bsa_m2 || "—";
        document.getElementById("planned").textContent = data.planned_dose_mg || "—";
        var hold = document.getElementById("hold");
        if (data.hold_required === null) { hold.textContent = "no haematology within 3 days"; }
        else if (data.hold_required) { hold.textContent = "MET — hold the dose: " + data.hold_reasons.join("; "); }
        else { hold.textContent = "not met — dose may be given"; }
      })
      .catch(function () { /* preview is a convenience; saving still validates on the server */ });
  }
  Object.keys(ids).forEach(function (k) {
    var el = document.getElementById(ids[k]);
    if (el) { el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); }); }
  });
  refresh();
})();
