// eunato: start loading the chart libraries (vega, vega-lite, vega-embed) as soon as the
// page has parsed, while the server starts this visitor's session; the charts need them
// only once the first widgets arrive, so their download and parse leave the first paint.
// Solara includes this file in the page head (app/__init__.py adds this folder to its
// asset paths); app/vega.vue uses window.eunatoVega and falls back to loading them itself.
(function () {
  function start() {
    if (!window.requirejs || window.eunatoVega) return;
    var cdn = ((window.solara && window.solara.cdn) || "/_solara/cdn").replace(/\/$/, "");
    window.requirejs.config({
      paths: {
        "eunato-vega": cdn + "/vega@5/build/vega.min",
        "eunato-vega-lite": cdn + "/vega-lite@5/build/vega-lite.min",
        "eunato-vega-embed": cdn + "/vega-embed@6/build/vega-embed.min",
      },
      map: {"*": {"vega": "eunato-vega", "vega-lite": "eunato-vega-lite"}},
    });
    window.eunatoVega = new Promise(function (ok, fail) {
      window.requirejs(["eunato-vega-embed"], ok, fail);
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();

// Accessibility the widget library leaves out (issue 24): the page's language; Space
// opens a tab as Enter does; the skip link puts the focus on Step; Vuetify 2's selects
// wrap their input in a role=button (an interactive control inside another), which the
// ARIA combobox pattern describes instead.
(function () {
  document.documentElement.lang = "en";
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === " " && t && t.getAttribute && t.getAttribute("role") === "tab") {
      e.preventDefault();
      t.click();
    }
  });
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest && e.target.closest(".eunato-skip");
    if (!a) return;
    e.preventDefault();
    var step = document.querySelector(".eunato-step");
    if (step) step.focus();
  });
  function fix(root) {
    root.querySelectorAll('div[role="button"][aria-owns]').forEach(function (d) {
      d.setAttribute("role", "combobox");
    });
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var n = records[i].target;
      if (n.nodeType === 1) fix(n.parentNode || n);
    }
  }).observe(document.documentElement, {subtree: true, childList: true,
                                         attributes: true, attributeFilter: ["role"]});
})();
