/// The stylesheet and script every page links (`assets/report.css`, `assets/report.js`),
/// written by csit: no library, nothing fetched. Pages are complete without the script; it
/// only sorts and filters the runs table and chooses the runs the compare page shows.
enum Assets {
    static let css = """
    :root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --head: #f6f8fa; --accent: #0072B2; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); }
    nav { position: sticky; top: 0; z-index: 1; background: #24292f; padding: 8px 20px; }
    nav a, nav .brand { color: #fff; margin-right: 16px; text-decoration: none; }
    nav .brand { font-weight: bold; }
    nav a.active { border-bottom: 2px solid #fff; }
    main { padding: 12px 20px 40px; max-width: 1500px; }
    h1 { font-size: 22px; margin: 10px 0; }
    h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
    a { color: var(--accent); }
    code { font: 12px "DejaVu Sans Mono", monospace; background: var(--head); padding: 1px 3px; border-radius: 3px; }
    .note, .files, .summary { color: var(--muted); max-width: 110ch; }
    .problem { color: #b3261e; }
    .scroll { overflow-x: auto; max-width: 100%; }
    table { border-collapse: collapse; margin: 6px 0; }
    th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
    thead th { background: var(--head); position: sticky; top: 0; }
    td.num, table.results td, table.metrics td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    table.results th[scope=row] { white-space: nowrap; }
    table.perclass td:first-child { text-align: left; font-weight: bold; }
    table.results .runs { display: block; font-size: 11px; }
    table.results .runs a { margin-left: 3px; }
    table.results .runs.missing { color: #a40000; }
    table.kv td:first-child { font-family: "DejaVu Sans Mono", monospace; white-space: nowrap; }
    table.kv td { max-width: 90ch; overflow-wrap: anywhere; }
    table.runs { font-size: 13px; }
    table.runs td { white-space: nowrap; }
    table.runs th[data-col] { cursor: pointer; white-space: nowrap; }
    table.runs th.sorted-asc::after { content: " ▲"; }
    table.runs th.sorted-desc::after { content: " ▼"; }
    tr.state-failed td { background: #fdecea; }
    .state-failed { color: #b3261e; }
    table.confusion td { text-align: right; min-width: 46px; font-variant-numeric: tabular-nums; }
    table.confusion td.diag { font-weight: bold; }
    table.confusion th.pred { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; font-weight: normal; }
    table.confusion th.corner { font-weight: normal; color: var(--muted); font-size: 12px; }
    table.diff td .delta { display: block; font-size: 11px; color: var(--muted); }
    .charts { display: flex; flex-wrap: wrap; gap: 12px; }
    svg.chart { width: 640px; max-width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
    svg.chart text { font-family: "DejaVu Sans", sans-serif; fill: var(--fg); }
    svg.chart .title { font-size: 14px; font-weight: bold; }
    svg.chart .tick, svg.chart .legend { font-size: 11px; }
    svg.chart .axis { font-size: 12px; fill: var(--muted); }
    svg.chart .grid { stroke: #eaeef2; }
    svg.chart .tickmark { stroke: var(--muted); }
    svg.chart .frame { fill: none; stroke: var(--muted); }
    svg.chart .diagonal { stroke: #999; stroke-dasharray: 4 4; }
    .grids { display: flex; flex-wrap: wrap; gap: 12px; }
    .grids figure { margin: 0; }
    .grids img { max-width: 100%; image-rendering: pixelated; border: 1px solid var(--line); }
    figcaption { color: var(--muted); font-size: 12px; }
    ul.picker { list-style: none; padding: 0; columns: 3 280px; }
    ul.picker li { padding: 2px 0; }
    .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; }
    .controls { margin: 8px 0; }
    .controls input[type=search] { width: 360px; padding: 4px; }
    .js-only { display: none; }
    html.js .js-only { display: initial; }
    html.js .controls.js-only { display: block; }
    .hidden { display: none !important; }
    @media print { nav, .controls { display: none; } .scroll { overflow: visible; } }

    """

    static let script = """
    // csit report: sorting and filtering of the runs table, choosing runs to compare.
    // Every page is complete without this script.
    "use strict";
    document.documentElement.classList.add("js");
    document.addEventListener("DOMContentLoaded", function () {
      var runs = document.getElementById("runs");
      if (runs) { runsTable(runs); }
      if (document.querySelector("ul.picker")) { comparePage(); }
    });

    function runsTable(table) {
      var body = table.tBodies[0];
      var filter = document.getElementById("filter");
      var count = document.getElementById("shown-count");
      table.querySelectorAll("th[data-col]").forEach(function (th) {
        th.addEventListener("click", function () {
          var i = th.cellIndex, asc = !th.classList.contains("sorted-asc");
          table.querySelectorAll("th").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
          th.classList.add(asc ? "sorted-asc" : "sorted-desc");
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[i].getAttribute("data-v"), y = b.cells[i].getAttribute("data-v");
            if (x === null || y === null) { return (x === null) - (y === null); }
            var nx = parseFloat(x), ny = parseFloat(y);
            var c = (!isNaN(nx) && !isNaN(ny) && String(nx) !== "NaN") ? nx - ny : x.localeCompare(y);
            return asc ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
      var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.getAttribute("data-col"); });
      function apply() {
        var terms = filter.value.trim().split(/\\s+/).filter(Boolean), shown = 0;
        Array.prototype.forEach.call(body.rows, function (r) {
          var ok = terms.every(function (t) {
            var kv = t.split("=");
            if (kv.length === 2) {
              var i = headers.indexOf(kv[0]);
              return i >= 0 && (r.cells[i].getAttribute("data-v") || "") === kv[1];
            }
            return r.textContent.toLowerCase().indexOf(t.toLowerCase()) >= 0;
          });
          r.classList.toggle("hidden", !ok);
          if (ok) { shown += 1; }
        });
        count.textContent = shown + " of " + body.rows.length + " runs";
      }
      filter.addEventListener("input", apply);
      apply();
      document.getElementById("compare-picked").addEventListener("click", function () {
        var ids = Array.prototype.map.call(table.querySelectorAll("input.pick:checked"), function (c) { return c.value; });
        location.href = "compare.html" + (ids.length ? "?runs=" + ids.join(",") : "");
      });
    }

    function comparePage() {
      var boxes = document.querySelectorAll("ul.picker input.pick");
      var wanted = new URLSearchParams(location.search).get("runs");
      if (wanted) {
        var ids = wanted.split(",");
        boxes.forEach(function (b) { b.checked = ids.indexOf(b.value) >= 0; });
      }
      function apply() {
        var on = {};
        boxes.forEach(function (b) { on[b.value] = b.checked; });
        document.querySelectorAll(".charts [data-run], table.diff [data-run]").forEach(function (e) {
          e.classList.toggle("hidden", !on[e.getAttribute("data-run")]);
        });
        document.querySelectorAll("tr.metric-row").forEach(function (row) {
          var first = null, seen = false;
          row.querySelectorAll("td[data-run]").forEach(function (td) {
            var d = td.querySelector(".delta"), v = td.getAttribute("data-v");
            if (!on[td.getAttribute("data-run")]) { return; }
            if (!seen) { seen = true; first = v; d.textContent = ""; return; }
            var diff = parseFloat(v) - parseFloat(first);
            d.textContent = (v === null || first === null) ? "" : (diff >= 0 ? "+" : "") + diff.toFixed(4);
          });
        });
      }
      boxes.forEach(function (b) { b.addEventListener("change", apply); });
      apply();
    }

    """
}
