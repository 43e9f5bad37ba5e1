(function () {
  'use strict';
  // What the report page (page.js) and the frontier page (frontier-page.js) draw alike: the
  // palette, Chart.js defaults for pages drawn once (no animation, so a headless browser can
  // screenshot them) and the 95%-interval whiskers on points of the form {lo, hi}.
  var PAL = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  window.infogainCharts = {
    PAL: PAL,
    /** Palette colour i as rgba with alpha a (default 1). */
    col: function (i, a) {
      var h = PAL[i % PAL.length];
      var r = parseInt(h.slice(1, 3), 16), g = parseInt(h.slice(3, 5), 16), b = parseInt(h.slice(5, 7), 16);
      return 'rgba(' + r + ',' + g + ',' + b + ',' + (a === undefined ? 1 : a) + ')';
    },
    /** For every visible point with d.lo and d.hi: a vertical whisker with caps half-width `cap`, then label(ctx, pt, d, ds). */
    whiskers: function (chart, lineWidth, cap, label) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (ds, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach(function (pt, j) {
          var d = ds.data[j];
          ctx.save();
          ctx.strokeStyle = ds.borderColor;
          ctx.lineWidth = lineWidth;
          if (d.lo !== null && d.hi !== null) {
            var top = y.getPixelForValue(d.hi), bot = y.getPixelForValue(d.lo);
            ctx.beginPath();
            ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bot);
            ctx.moveTo(pt.x - cap, top); ctx.lineTo(pt.x + cap, top);
            ctx.moveTo(pt.x - cap, bot); ctx.lineTo(pt.x + cap, bot);
            ctx.stroke();
          }
          label(ctx, pt, d, ds);
          ctx.restore();
        });
      });
    }
  };
})();
