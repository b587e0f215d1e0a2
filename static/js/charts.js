/* Draws each chart of the page with the vendored vega-embed (static/vendor/vega/).
 *
 * A chart is a box `[data-spec]` naming the <script type="application/json"> that holds its
 * Vega-Lite spec (Django's json_script). Expressions run in vega-interpreter (`ast: true`),
 * never through `new Function`: the Content-Security-Policy has no 'unsafe-eval'. No style
 * element is injected (`defaultStyle: false`, tooltip styles in charts.css): style-src is
 * 'self' only. Without JavaScript, or if drawing fails, the figure's caption and downloads
 * remain. */
(function () {
  "use strict";

  var OPTIONS = {
    ast: true,
    mode: "vega-lite",
    renderer: "svg",
    actions: false,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };
  // In the page's language (base.html's data-text-chart-failed), English otherwise.
  function failedText() {
    return (
      document.body.getAttribute("data-text-chart-failed") ||
      "The figure could not be drawn here; download it as SVG or PNG, or its data as CSV, below."
    );
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-spec"));
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    var fallback = box.querySelector(".chart-fallback");
    var target = document.createElement("div");
    target.className = "chart-canvas";
    // The box is the image (role="img", named by the figure's title and caption); the drawing
    // inside is hidden from assistive technology, which reads the caption and the CSV instead.
    target.setAttribute("aria-hidden", "true");
    box.appendChild(target);
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      spec = null;
    }
    var drawing = spec ? window.vegaEmbed(target, spec, OPTIONS) : Promise.reject(new Error());
    drawing
      .then(function () {
        box.classList.add("chart-drawn");
        if (fallback) {
          fallback.remove();
        }
      })
      .catch(function () {
        target.remove();
        box.classList.add("chart-failed");
        if (fallback) {
          fallback.textContent = failedText();
          fallback.removeAttribute("aria-hidden");
        }
      });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-spec]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
