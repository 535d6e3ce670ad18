// Charts of the results pages, drawn with Apache ECharts (static/vendor/echarts-*.min.js).
// Each chart is an element <div data-chart="KIND" data-source="ID"> whose data sits in
// <script type="application/json" id="ID"> (Django's json_script): no inline script, no
// inline style attribute (the CSP forbids both). Tooltips are drawn inside the canvas
// (renderMode "richText"), since ECharts' HTML tooltips carry style attributes.
(function () {
  "use strict";

  var FONT = '"Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif';
  var INK = "#1d2433", MUTED = "#5b6475", BLUE = "#1f4e8c", RED = "#a4161a";
  var PALETTE = [RED, BLUE, "#1e7b3a", "#a86400", "#6b4c9a", "#2a8c8c", "#6b7b8c"];
  var lang = (document.documentElement.getAttribute("lang") || "vi").toLowerCase();
  var DECIMAL = lang.indexOf("en") === 0 ? "." : ",";

  function num(v, places) {
    if (v === null || v === undefined || isNaN(v)) { return "–"; }
    return Number(v).toFixed(places === undefined ? 2 : places).replace(".", DECIMAL);
  }

  function readData(el) {
    var source = document.getElementById(el.getAttribute("data-source") || "");
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function baseTooltip(extra) {
    var t = {
      renderMode: "richText", confine: true, backgroundColor: "#ffffff", borderColor: "#d9dee7",
      textStyle: { color: INK, fontFamily: FONT, fontSize: 12 }
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { t[k] = extra[k]; } }
    return t;
  }

  function setHeight(el, px) { el.style.height = px + "px"; } // CSSOM: allowed by the CSP

  // Horizontal bars of the index, best first; the selected unit in red; the average line.
  function ranking(d, el) {
    var n = d.units.length;
    setHeight(el, Math.max(220, Math.min(n * 22 + 56, 1500)));
    var bars = d.values.map(function (v, i) {
      return { value: v, itemStyle: { color: i === d.highlight ? RED : BLUE } };
    });
    var series = {
      type: "bar", data: bars, barMaxWidth: 16, barCategoryGap: "30%",
      label: { show: n <= 60, position: "right", fontSize: 10, color: MUTED,
        formatter: function (p) { return num(p.value); } }
    };
    if (d.average !== null && d.average !== undefined) {
      series.markLine = {
        symbol: "none", silent: true, data: [{ xAxis: d.average }],
        lineStyle: { color: "#a86400", type: "dashed", width: 1.5 },
        label: { position: "end", formatter: d.labels.average + " " + num(d.average),
          color: "#a86400", fontSize: 10 }
      };
    }
    return {
      animation: false, textStyle: { fontFamily: FONT },
      grid: { left: 6, right: 44, top: 22, bottom: 22, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, position: "top", splitNumber: 5,
        axisLabel: { fontFamily: FONT, fontSize: 10, color: MUTED, formatter: function (v) { return num(v, 0); } } },
      yAxis: { type: "category", data: d.units, inverse: true, axisTick: { show: false },
        axisLabel: { fontFamily: FONT, fontSize: 11, color: INK, interval: 0,
          formatter: function (v, i) { return i === d.highlight ? "{you|" + v + "}" : v; },
          rich: { you: { fontFamily: FONT, color: RED, fontWeight: "bold", fontSize: 11 } } } },
      tooltip: baseTooltip({ trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (ps) {
          var p = ps[0];
          return d.names[p.dataIndex] + "\n" + d.labels.index + ": " + num(p.value);
        } }),
      series: [series]
    };
  }

  // Units x fields, the component index in each cell.
  function heatmap(d, el) {
    var n = d.units.length;
    setHeight(el, Math.max(220, Math.min(n * 22 + 56, 1500)) + 44);
    var cells = d.cells.filter(function (c) { return c[2] !== null; });
    return {
      animation: false, textStyle: { fontFamily: FONT },
      grid: { left: 6, right: 10, top: 22, bottom: 52, containLabel: true },
      xAxis: { type: "category", data: d.fields, position: "top", axisTick: { show: false },
        axisLabel: { fontFamily: FONT, fontSize: 11, color: INK, interval: 0 }, splitArea: { show: true } },
      yAxis: { type: "category", data: d.units, inverse: true, axisTick: { show: false },
        axisLabel: { fontFamily: FONT, fontSize: 11, color: INK, interval: 0,
          formatter: function (v, i) { return i === d.highlight ? "{you|" + v + "}" : v; },
          rich: { you: { fontFamily: FONT, color: RED, fontWeight: "bold", fontSize: 11 } } } },
      visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center",
        bottom: 4, itemWidth: 12, itemHeight: 180, text: ["100", "0"],
        textStyle: { fontSize: 10, color: MUTED },
        inRange: { color: ["#c0392b", "#f1c40f", "#1e7b3a"] } },
      tooltip: baseTooltip({ formatter: function (p) {
        var v = p.value;
        return d.units[v[1]] + "\n" + d.fields[v[0]] + " — " + d.field_names[v[0]] + "\n" +
          d.labels.index + ": " + num(v[2]);
      } }),
      series: [{ type: "heatmap", data: cells,
        label: { show: n <= 45 && d.fields.length <= 10, fontSize: 10,
          formatter: function (p) { return num(p.value[2], 0); } },
        itemStyle: { borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: INK, borderWidth: 1 } } }]
    };
  }

  // The unit against the average and the best unit, per field: a radar from three fields
  // on, grouped bars below that.
  function profile(d, el) {
    var names = [d.labels.unit, d.labels.average, d.labels.best];
    var values = [d.unit, d.average, d.best];
    var colors = [RED, MUTED, "#1e7b3a"];
    var legend = { bottom: 0, textStyle: { fontSize: 11, color: INK }, itemWidth: 16, itemHeight: 8 };
    var tip = baseTooltip({});
    if (d.fields.length >= 3) {
      setHeight(el, 340);
      return {
        animation: false, textStyle: { fontFamily: FONT }, color: colors, legend: legend,
        tooltip: tip,
        radar: { center: ["50%", "50%"], radius: "66%", splitNumber: 4,
          axisName: { color: INK, fontSize: 11 },
          indicator: d.fields.map(function (f) { return { name: f, min: 0, max: 100 }; }) },
        series: [{ type: "radar", symbolSize: 4,
          data: values.map(function (v, i) {
            return { name: names[i], value: v.map(function (x) { return x === null ? 0 : x; }),
              lineStyle: { width: i === 0 ? 2.5 : 1.5, type: i === 1 ? "dashed" : "solid" },
              areaStyle: i === 0 ? { opacity: 0.12 } : undefined };
          }) }]
      };
    }
    setHeight(el, 110 + d.fields.length * 70);
    return {
      animation: false, textStyle: { fontFamily: FONT }, color: colors, legend: legend,
      tooltip: baseTooltip({ trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (ps) {
          var i = ps[0].dataIndex;
          return [d.fields[i] + " — " + d.field_names[i]].concat(ps.map(function (p) {
            return p.seriesName + ": " + num(p.value);
          })).join("\n");
        } }),
      grid: { left: 6, right: 44, top: 10, bottom: 36, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { fontFamily: FONT, fontSize: 10, color: MUTED } },
      yAxis: { type: "category", data: d.fields, inverse: true, axisTick: { show: false },
        axisLabel: { fontFamily: FONT, fontSize: 11, color: INK } },
      series: values.map(function (v, i) {
        return { name: names[i], type: "bar", data: v, barMaxWidth: 14,
          label: { show: true, position: "right", fontSize: 10, color: MUTED,
            formatter: function (p) { return num(p.value); } } };
      })
    };
  }

  // The unit's index over the years: its cycles and the published national results.
  function trend(d, el) {
    setHeight(el, 300);
    return {
      animation: false, textStyle: { fontFamily: FONT }, color: PALETTE,
      legend: { bottom: 0, type: "scroll", textStyle: { fontSize: 11, color: INK } },
      tooltip: baseTooltip({ trigger: "axis", formatter: function (ps) {
        return [ps[0].axisValue].concat(ps.filter(function (p) {
          return p.value !== null && p.value !== undefined;
        }).map(function (p) { return p.seriesName + ": " + num(p.value); })).join("\n");
      } }),
      grid: { left: 6, right: 20, top: 16, bottom: 44, containLabel: true },
      xAxis: { type: "category", data: d.years, boundaryGap: false,
        axisLabel: { fontFamily: FONT, fontSize: 11, color: INK } },
      yAxis: { type: "value", scale: true, axisLabel: { fontFamily: FONT, fontSize: 10, color: MUTED,
        formatter: function (v) { return num(v, 0); } } },
      series: d.series.map(function (s) {
        return { name: s.name, type: "line", data: s.values, connectNulls: true, symbolSize: 7,
          label: { show: true, fontSize: 10, color: MUTED,
            formatter: function (p) { return num(p.value); } } };
      })
    };
  }

  var BUILDERS = { ranking: ranking, heatmap: heatmap, profile: profile, trend: trend };
  var charts = [];

  function init() {
    if (!window.echarts) { return; }
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var build = BUILDERS[el.getAttribute("data-chart")];
      var data = readData(el);
      if (!build || !data) { continue; }
      var option = build(data, el);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
      el.setAttribute("data-rendered", "1");
    }
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () {
      for (var i = 0; i < charts.length; i++) { charts[i].resize(); }
    }, 120);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
