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
