/* Vårdkoll's only script of its own: charts (Vega-Lite, rendered locally) and HTMX glue.
   No inline script anywhere: the Content-Security-Policy allows scripts from this origin only. */
(function () {
  "use strict";
  var SV_LOCALE = { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0kr"] };

  function renderCharts(root) {
    if (!window.vegaEmbed || !window.vega) { return; }
    var nodes = (root || document).querySelectorAll("[data-vega-spec]");
    Array.prototype.forEach.call(nodes, function (el) {
      var url = el.getAttribute("data-vega-spec");
      if (el.getAttribute("data-rendered") === url) { return; }
      el.setAttribute("data-rendered", url);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (spec) {
          var options = {
            renderer: "canvas", actions: false, defaultStyle: false, tooltip: false,
            ast: true, expr: window.vega.expressionInterpreter
          };
          if (document.documentElement.lang === "sv") { options.formatLocale = SV_LOCALE; }
          return window.vegaEmbed(el, spec, options);
        })
        .then(function () { el.setAttribute("data-chart-ready", "true"); })
        .catch(function (err) { el.setAttribute("data-chart-error", String(err)); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { renderCharts(evt.target); });
  document.addEventListener("htmx:historyRestore", function () { renderCharts(document); });
})();
