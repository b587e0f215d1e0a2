/* Idle sign-out warning (edc.access.sessions enforces the timeout on the server).
 *
 * <body data-idle-seconds data-warning-seconds data-status-url data-keepalive-url> set by
 * templates/base.html. Shortly before the idle sign-out a banner counts down with a
 * "Stay signed in" button. The status request this script makes is NOT activity for the
 * server; only the button (POST to the keep-alive URL) is. When time is up the page reloads:
 * the server has signed the user out and shows the login page with a message.
 */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-idle-seconds"));
  var warning = Number(body.getAttribute("data-warning-seconds"));
  var statusUrl = body.getAttribute("data-status-url");
  var keepAliveUrl = body.getAttribute("data-keepalive-url");
  if (!idle || !statusUrl || !keepAliveUrl) {
    return;
  }
  var timer = null;
  var ticker = null;
  var banner = null;
  var deadline = 0;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) {
      return input.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The page's language: base.html carries the translated texts as data-text-* attributes.
  function translated(name, english) {
    return body.getAttribute("data-text-" + name) || english;
  }

  function buildBanner() {
    banner = document.createElement("div");
    banner.setAttribute("role", "alertdialog");
    banner.setAttribute("aria-live", "assertive");
    banner.setAttribute("aria-label", translated("session-title", "Session about to expire"));
    banner.setAttribute("data-testid", "session-warning");
    banner.hidden = true;
    var s = banner.style;
    s.position = "fixed";
    s.left = "50%";
    s.bottom = "1.5rem";
    s.transform = "translateX(-50%)";
    s.zIndex = "1000";
    s.background = "#fffbe6";
    s.border = "2px solid #b08800";
    s.borderRadius = "6px";
    s.padding = "0.8rem 1rem";
    s.boxShadow = "0 2px 10px rgba(0,0,0,0.25)";
    s.maxWidth = "32rem";
    var text = document.createElement("p");
    text.style.margin = "0 0 0.6rem";
    text.setAttribute("data-role", "text");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = translated("session-stay", "Stay signed in");
    button.addEventListener("click", stayHere);
    banner.appendChild(text);
    banner.appendChild(button);
    body.appendChild(banner);
  }

  function say(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var left = minutes ? minutes + " min " + (rest < 10 ? "0" : "") + rest + " s" : rest + " s";
    banner.querySelector("[data-role=text]").textContent = translated(
      "session-warning",
      "You will be signed out in %(time)s because of inactivity. Unsaved entries would be lost."
    ).replace("%(time)s", left);
  }

  function hideBanner() {
    if (banner) {
      banner.hidden = true;
    }
    clearInterval(ticker);
    ticker = null;
  }

  function signedOut() {
    hideBanner();
    window.location.reload();
  }

  function schedule(remaining) {
    clearTimeout(timer);
    hideBanner();
    deadline = Date.now() + remaining * 1000;
    timer = setTimeout(check, Math.max(0, remaining - warning) * 1000);
  }

  function check() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.signed_out) {
          signedOut(); /* this request found the session expired: the server signed out */
        } else if (state.remaining > warning + 1) {
          schedule(state.remaining); /* active in another tab meanwhile */
        } else if (state.remaining <= 0) {
          timer = setTimeout(check, 1000); /* a moment before the server's deadline */
        } else {
          deadline = Date.now() + state.remaining * 1000;
          showBanner();
        }
      })
      .catch(function () { timer = setTimeout(check, 5000); });
  }

  function showBanner() {
    if (!banner) {
      buildBanner();
    }
    banner.hidden = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      say(left);
      if (left <= 0) {
        clearInterval(ticker);
        check();
      }
    };
    tick();
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
  }

  function stayHere() {
    fetch(keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.signed_out) {
          signedOut();
        } else {
          schedule(state.remaining);
        }
      })
      .catch(signedOut);
  }

  schedule(idle);
})();
