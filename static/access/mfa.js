/* Recovery codes page (templates/access/mfa_recovery_codes.html): the "Print the codes"
 * button, shown only when this script runs (the page works without it). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
