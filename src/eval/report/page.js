(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var C = window.infogainCharts; // chart-common.js
  var PAL = C.PAL, col = C.col;
  var acc = D.kind === 'accuracy';

  // (a) accuracy or mean score against mean row-forwards: labelled points with interval whiskers.
  var labels = {
    id: 'pointLabels',
    afterDatasetsDraw: function (chart) {
      C.whiskers(chart, 1.5, 4, function (ctx, pt, d, ds) {
        ctx.fillStyle = '#222';
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(ds.label, pt.x + 8, pt.y - 6);
      });
    }
  };
  var withValue = D.samplers.filter(function (s) { return s.value !== null; });
  new Chart(document.getElementById('chart-cost'), {
    type: 'scatter',
    data: { datasets: withValue.map(function (s) {
      var i = D.samplers.indexOf(s);
      return { label: s.name, data: [{ x: s.rowForwards, y: s.value, lo: s.lo, hi: s.hi }], backgroundColor: col(i), borderColor: col(i), pointRadius: 6 };
    }) },
    options: {
      layout: { padding: { right: 70 } },
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: { title: { display: true, text: 'mean row-forwards per example' }, grace: '10%' },
        y: { title: { display: true, text: acc ? 'accuracy (%)' : 'mean judge score' }, grace: '10%',
             suggestedMin: Math.min.apply(null, withValue.map(function (s) { return s.lo === null ? s.value : s.lo; })),
             suggestedMax: Math.max.apply(null, withValue.map(function (s) { return s.hi === null ? s.value : s.hi; })) }
      }
    },
    plugins: [labels]
  });

  // (b) cumulative-uncertainty distribution: min-max bar, quartile box, median and mean marks.
  var withCu = D.samplers.filter(function (s) { return s.cu !== null; });
  new Chart(document.getElementById('chart-cu'), {
    type: 'bar',
    data: {
      labels: withCu.map(function (s) { return s.name; }),
      datasets: [
        { type: 'line', label: 'median', data: withCu.map(function (s) { return s.cu.median; }), showLine: false, pointStyle: 'line', pointRadius: 16, borderWidth: 3, borderColor: '#111', backgroundColor: '#111', order: 0 },
        { type: 'line', label: 'mean', data: withCu.map(function (s) { return s.cu.mean; }), showLine: false, pointStyle: 'crossRot', pointRadius: 6, borderWidth: 2, borderColor: '#c0392b', backgroundColor: '#c0392b', order: 0 },
        { label: '25–75%', data: withCu.map(function (s) { return [s.cu.q1, s.cu.q3]; }), backgroundColor: withCu.map(function (s) { return col(D.samplers.indexOf(s), 0.7); }), barPercentage: 0.5, grouped: false, order: 1 },
        { label: 'min–max', data: withCu.map(function (s) { return [s.cu.min, s.cu.max]; }), backgroundColor: 'rgba(90,90,90,0.35)', barPercentage: 0.06, grouped: false, order: 2 }
      ]
    },
    options: { plugins: { legend: { position: 'bottom' } }, scales: { y: { title: { display: true, text: 'cumulative uncertainty (nats)' } } } }
  });

  // (c) cumulative uncertainty against correctness (jittered) or score, one point per line.
  new Chart(document.getElementById('chart-scatter'), {
    type: 'scatter',
    data: { datasets: D.samplers.map(function (s, i) {
      return { label: s.name, data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }), backgroundColor: col(i, 0.55), borderColor: col(i, 0.9), pointRadius: 3 };
    }) },
    options: {
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: { title: { display: true, text: 'cumulative uncertainty (nats)' } },
        y: acc
          ? { min: -0.5, max: 1.5, title: { display: true, text: 'answer (jittered)' }, ticks: { stepSize: 0.5, callback: function (v) { return v === 0 ? 'wrong' : v === 1 ? 'correct' : ''; } } }
          : { title: { display: true, text: 'judge score (nats / char)' } }
      }
    }
  });

  // (d) decode-order heatmaps: x = canvas position, y = example, colour = commit step scaled to
  // [first, last] within the example; givens (step 0) stay blank. The top strip is the mean.
  var STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  function viridis(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var k = Math.min(STOPS.length - 2, Math.floor(t)), f = t - k, a = STOPS[k], b = STOPS[k + 1];
    return 'rgb(' + Math.round(a[0] + f * (b[0] - a[0])) + ',' + Math.round(a[1] + f * (b[1] - a[1])) + ',' + Math.round(a[2] + f * (b[2] - a[2])) + ')';
  }
  D.samplers.forEach(function (s, i) {
    var canvas = document.getElementById('heat-' + i);
    if (!canvas) return;
    var width = s.heat.mean.length, rows = s.heat.rows;
    var cw = Math.max(2, Math.min(12, Math.floor(720 / Math.max(1, width))));
    var ch = rows.length > 50 ? 3 : 6, strip = 14, gap = 6;
    canvas.width = Math.max(1, cw * width);
    canvas.height = strip + gap + ch * rows.length;
    var ctx = canvas.getContext('2d');
    s.heat.mean.forEach(function (v, p) {
      if (v === null) return;
      ctx.fillStyle = viridis(v);
      ctx.fillRect(p * cw, 0, cw, strip);
    });
    rows.forEach(function (row, r) {
      var mx = Math.max.apply(null, row.concat([0]));
      row.forEach(function (v, p) {
        if (!(v > 0)) return;
        ctx.fillStyle = viridis(mx > 1 ? (v - 1) / (mx - 1) : 0);
        ctx.fillRect(p * cw, strip + gap + r * ch, cw, ch);
      });
    });
  });
  // Sudoku: the mean commit step as a board, box borders every √side cells.
  D.samplers.forEach(function (s, i) {
    var canvas = document.getElementById('board-' + i), n = s.heat.side;
    if (!canvas || !n) return;
    var cell = 16, box = Math.round(Math.sqrt(n));
    canvas.width = canvas.height = n * cell + 1;
    var ctx = canvas.getContext('2d');
    s.heat.mean.forEach(function (v, p) {
      if (v === null) return;
      ctx.fillStyle = viridis(v);
      ctx.fillRect((p % n) * cell, Math.floor(p / n) * cell, cell, cell);
    });
    ctx.strokeStyle = '#999';
    for (var k = 0; k <= n; k++) {
      ctx.lineWidth = box * box === n && k % box === 0 ? 1.5 : 0.5;
      ctx.beginPath(); ctx.moveTo(k * cell + 0.5, 0); ctx.lineTo(k * cell + 0.5, n * cell); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, k * cell + 0.5); ctx.lineTo(n * cell, k * cell + 0.5); ctx.stroke();
    }
  });
  var legend = document.getElementById('heat-legend');
  if (legend) {
    var lc = legend.getContext('2d');
    for (var x = 0; x < legend.width; x++) { lc.fillStyle = viridis(x / (legend.width - 1)); lc.fillRect(x, 0, 1, legend.height); }
  }
  window.__reportReady = true;
  document.body.setAttribute('data-ready', '1');
})();
