(function () {
  'use strict';
  // The frontier page's two charts (frontier.html, src/eval/frontier-render.ts): score against
  // mean row-forwards and against mean wall time, one line per family along its knob, 95%
  // interval whiskers, dashed verticals at k× greedy's compute. Drawn once, no animation, so a
  // headless browser can screenshot them as PNGs (src/eval/frontier-png.ts).
  var D = JSON.parse(document.getElementById('frontier-data').textContent);
  var C = window.infogainCharts; // chart-common.js
  var PAL = C.PAL;
  var acc = D.kind === 'accuracy';
  Chart.defaults.devicePixelRatio = window.devicePixelRatio || 1;

  function decorations(axisKey) {
    return {
      id: 'frontierDecorations',
      beforeDatasetsDraw: function (chart) {
        var ctx = chart.ctx, x = chart.scales.x, area = chart.chartArea;
        D.budgets.forEach(function (b) {
          var px = x.getPixelForValue(b[axisKey]);
          if (!(px >= area.left && px <= area.right)) return;
          ctx.save();
          ctx.strokeStyle = '#999'; ctx.setLineDash([4, 4]); ctx.lineWidth = 1;
          ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
          ctx.setLineDash([]); ctx.fillStyle = '#666'; ctx.font = '11px system-ui, sans-serif';
          ctx.fillText(b.k + '× greedy', px + 3, area.top + 11);
          ctx.restore();
        });
      },
      afterDatasetsDraw: function (chart) {
        var ctx = chart.ctx, area = chart.chartArea;
        ctx.save();
        ctx.beginPath(); ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top); ctx.clip();
        C.whiskers(chart, 1.2, 3, function (ctx, pt, d) {
          if (d.label) { ctx.fillStyle = '#333'; ctx.font = '10px system-ui, sans-serif'; ctx.fillText(d.label, pt.x + 5, pt.y - 5); }
        });
        ctx.restore();
      }
    };
  }

  var los = [], his = [];
  D.families.forEach(function (f) { f.points.forEach(function (p) { los.push(p.lo === null ? p.value : p.lo); his.push(p.hi === null ? p.value : p.hi); }); });
  var lowest = Math.min.apply(null, los), highest = Math.max.apply(null, his);
  // Log-axis ticks at 1, 2, 5 × 10^k only, so neighbouring labels never overlap.
  function tick(v) { var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9)); return [1, 2, 5].some(function (x) { return Math.abs(m - x) < 1e-6; }) ? String(v) : ''; }

  function draw(canvasId, axisKey, axisTitle) {
    var datasets = D.families.map(function (f, i) {
      var c = PAL[i % PAL.length];
      return {
        label: f.family,
        data: f.points.map(function (p) {
          // A point's label: its knob (N4, B2, factor 1, …). The greedy rules have no knob and sit on
          // top of each other at 1×: the legend and the tables name them.
          var label = f.family === 'greedy rules' ? '' : p.knob.replace(/^N = /, 'N').replace(/^B = (\d+), N = (\d+)$/, 'B$1·N$2');
          return { x: p[axisKey], y: p.value, lo: p.lo, hi: p.hi, label: label };
        }),
        showLine: f.family !== 'greedy rules', borderColor: c, backgroundColor: c,
        borderWidth: f.infoGain ? 2.5 : 1.5, borderDash: f.family === 'best-of-n' ? [6, 3] : [],
        pointRadius: 4, pointStyle: f.infoGain ? 'rectRot' : 'circle'
      };
    });
    new Chart(document.getElementById(canvasId), {
      type: 'scatter',
      data: { datasets: datasets },
      options: {
        layout: { padding: { right: 40 } },
        plugins: {
          title: { display: true, text: D.title + ' — n = ' + D.n + ' examples' },
          legend: { position: 'bottom' }
        },
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: axisTitle }, ticks: { callback: tick, autoSkip: false } },
          y: { title: { display: true, text: acc ? 'accuracy (%), 95% interval' : 'mean score, 95% interval' }, grace: '5%',
               suggestedMin: lowest, suggestedMax: highest,
               // Where grace (5% of the range) would carry an accuracy axis past 100%, it ends there.
               max: acc && highest + 0.05 * (highest - lowest) >= 100 ? 100 : undefined }
        }
      },
      plugins: [decorations(axisKey)]
    });
  }
  draw('chart-row-forwards', 'rowForwards', 'mean row-forwards per example (log scale)');
  draw('chart-wall', 'wallMs', 'mean wall time per example, ms (log scale)');
  window.__frontierReady = true;
  document.body.setAttribute('data-ready', '1');
})();
