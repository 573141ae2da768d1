/* Vårdkoll's only script of its own: charts (Vega-Lite, rendered locally) and HTMX glue.
   No inline script anywhere: the Content-Security-Policy allows scripts from this origin only. */
(function () {
  "use strict";
  /* Number and time locales of the charts, kept here (no CDN): d3-format's and d3-time-format's
     sv-SE definitions, and en-GB for English pages. Vega applies them to every chart drawn. */
  var LOCALES = {
    sv: {
      format: { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0kr"] },
      time: {
        dateTime: "%A %e %B %Y %H:%M:%S", date: "%Y-%m-%d", time: "%H:%M:%S",
        periods: ["fm", "em"],
        days: ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
        shortDays: ["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
        months: ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"],
        shortMonths: ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
          "nov", "dec"]
      }
    },
    en: {
      format: { decimal: ".", thousands: ",", grouping: [3], currency: ["£", ""] },
      time: {
        dateTime: "%a %e %b %X %Y", date: "%Y-%m-%d", time: "%H:%M:%S",
        periods: ["AM", "PM"],
        days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        months: ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"],
        shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec"]
      }
    }
  };

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
          var locale = LOCALES[document.documentElement.lang] || LOCALES.sv;
          options.formatLocale = locale.format;
          options.timeFormatLocale = locale.time;
          return window.vegaEmbed(el, spec, options);
        })
        .then(function (result) {
          el.vegaView = result.view;  /* for tests and the keyboard: the drawn view */
          el.setAttribute("data-chart-ready", "true");
        })
        .catch(function (err) { el.setAttribute("data-chart-error", String(err)); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { renderCharts(evt.target); });
  document.addEventListener("htmx:historyRestore", function () { renderCharts(document); });
})();
