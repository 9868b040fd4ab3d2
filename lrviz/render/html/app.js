/* lrviz interactive figure: draws the page's data with uPlot (vendored), reads exact values on hover.
   Every number shown is a string written by Python (lrviz export's repr); the browser only parses
   them to draw. Each .lrviz-figure element on the page is one figure; the library is loaded once. */
(function () {
  "use strict";
  var EXACT_DRAW = 20000;   // steps in view drawn one by one from the exact values, at most
  var BUCKETS_PER_PX = 2;   // an envelope level is drawn once its buckets are about this fine

  function inflate(b64) {
    var s = atob(b64), bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(function (t) { return t.split("\n"); });
  }

  function toNum(s) {
    var v = +s;
    if (v === v || s === "nan") return v;
    return s.charCodeAt(0) === 45 ? -Infinity : Infinity;  // Python's 'inf' / '-inf'
  }

  function Texts(lines) { this.lines = lines; this.strs = {}; this.nums = {}; }
  Texts.prototype.str = function (i) {
    if (!this.strs[i]) this.strs[i] = this.lines[i] === "" ? [] : this.lines[i].split(",");
    return this.strs[i];
  };
  Texts.prototype.num = function (i) {
    if (!this.nums[i]) {
      var s = this.str(i), a = new Float64Array(s.length);
      for (var k = 0; k < s.length; k++) a[k] = toNum(s[k]);
      this.nums[i] = a;
    }
    return this.nums[i];
  };

  /* A tick label: at most 6 significant digits (the exact values are in the readout, not the ticks). */
  function tick(v) {
    if (v == null) return "";
    var t = String(+v.toPrecision(6));
    return t.replace(/e([+-])(\d)/, function (m, sign, d) { return "e" + (sign === "-" ? "-" : "") + d; });
  }

  /* Logged values as crosses (the static figure's 'x' markers). */
  function crosses(u, si, i0, i1) {
    var path = new Path2D(), d = u.data, r = 3.5 * (window.devicePixelRatio || 1), key = u.series[si].scale;
    for (var i = i0; i <= i1; i++) {
      var v = d[si][i];
      if (v == null) continue;
      var x = u.valToPos(d[0][i], "x", true), y = u.valToPos(v, key, true);
      path.moveTo(x - r, y - r); path.lineTo(x + r, y + r); path.moveTo(x - r, y + r); path.lineTo(x + r, y - r);
    }
    return { stroke: path, fill: null };
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function Figure(root, spec, texts) {
    this.root = root; this.spec = spec; this.texts = texts;
    this.hidden = spec.series.map(function () { return false; });
    this.hiddenLogs = {};
    this.only = -1;  // the sweep's choice: -1 all, else a trajectory
    this.plots = []; this.syncing = false; this.exact = null;  // the exact columns, once inflated
    var x = spec.x;
    this.X = function (k) { return k * x.mul / x.div; };
    this.K = function (v) { return v * x.div / x.mul; };
    this.end = spec.held ? spec.n : Math.max(0, spec.n - 1);
    this.full = [this.X(0), this.X(this.end)];
    this.view = this.full.slice();
    if (spec.xlim) this.view = [spec.xlim[0] == null ? this.full[0] : spec.xlim[0],
                                spec.xlim[1] == null ? this.full[1] : spec.xlim[1]];
    this.build();
  }

  Figure.prototype.build = function () {
    var spec = this.spec, self = this, look = spec.look;
    var root = this.root;
    root.style.background = look.bg; root.style.color = look.fg;
    if (spec.title) root.appendChild(el("div", "lrviz-title", spec.title));
    if (spec.subtitle) spec.subtitle.split("\n").forEach(function (l) { root.appendChild(el("div", "lrviz-subtitle", l)); });
    if (!spec.exact) root.appendChild(el("div", "lrviz-note",
      "This run is too long (" + spec.n.toLocaleString("en-US") + " steps) to carry every value in the page: " +
      "lines are drawn from each bucket's min and max, and hover reads the min and max of the steps under the pointer."));
    if (spec.sweep && spec.trajs.length > 1) this.sweepControl();
    this.legendEl = el("div", "lrviz-legend"); root.appendChild(this.legendEl);
    this.legend();
    this.readoutEl = el("div", "lrviz-readout"); root.appendChild(this.readoutEl);
    var grid = el("div", "lrviz-cells");
    grid.style.gridTemplateColumns = "repeat(" + spec.ncols + ", minmax(0, 1fr))";
    root.appendChild(grid);
    var width = Math.max(240, Math.floor((root.clientWidth || 900) / spec.ncols) - 8);
    spec.cells.forEach(function (cell) {
      var box = el("div", "lrviz-cell"); grid.appendChild(box);
      if (cell.title) box.appendChild(el("div", "lrviz-cell-title", cell.title));
      var panels = spec.panels.filter(function (p) {
        return p.lines.some(function (ln) { return cell.series.indexOf(ln.series) >= 0; });
      });
      panels.forEach(function (p, k) {
        var lines = p.lines.filter(function (ln) { return cell.series.indexOf(ln.series) >= 0; });
        var trajs = cell.series.map(function (i) { return spec.series[i].traj; });
        (spec.logged || []).forEach(function (lg, li) {
          if (lg.panel === p.key && trajs.indexOf(lg.traj) >= 0) lines.push({ logged: li, col: lg.col });
        });
        var h = p.key === "lr" ? (spec.ncols > 1 ? 220 : 360) : (spec.ncols > 1 ? 110 : 150) + (k === panels.length - 1 ? 40 : 0);
        self.plots.push(self.plot(box, p, lines, width, h, k === panels.length - 1));
      });
    });
    this.refresh();
    this.readout(null);
  };

  Figure.prototype.sweepControl = function () {
    var self = this, spec = this.spec;
    var box = el("div", "lrviz-sweep"), label = el("span", "lrviz-sweep-value", "all");
    var input = el("input"); input.type = "range"; input.min = "0"; input.max = String(spec.trajs.length);
    input.step = "1"; input.value = "0"; input.setAttribute("aria-label", "swept value");
    box.appendChild(el("span", null, "sweep: ")); box.appendChild(input); box.appendChild(label);
    input.addEventListener("input", function () {
      var v = +input.value;
      self.only = v - 1;
      label.textContent = v === 0 ? "all" : spec.trajs[v - 1];
      self.applyVisibility();
    });
    this.sweepInput = input;
    this.root.appendChild(box);
  };

  Figure.prototype.loggedVisible = function (li) {
    var lg = this.spec.logged[li];
    return !this.hiddenLogs[lg.label] && (this.only < 0 || lg.traj === this.only);
  };

  /* plot --actual: the first divergence, a dotted line through the logged point, a ring and a label. */
  Figure.prototype.divergences = function (u, lines) {
    var spec = this.spec, ctx = u.ctx, self = this, dpr = window.devicePixelRatio || 1;
    lines.forEach(function (ln) {
      if (ln.logged == null) return;
      var lg = spec.logged[ln.logged];
      if (lg.first == null || !self.loggedVisible(ln.logged)) return;
      var x = u.valToPos(self.X(lg.first), "x", true), y = u.valToPos(lg.firstValue, "y", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.save();
      ctx.strokeStyle = spec.look.fg; ctx.fillStyle = spec.look.fg; ctx.lineWidth = 1 * dpr;
      ctx.setLineDash([1 * dpr, 2 * dpr]);
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      ctx.setLineDash([]); ctx.lineWidth = 1.4 * dpr;
      ctx.beginPath(); ctx.arc(x, y, 7 * dpr, 0, 2 * Math.PI); ctx.stroke();
      ctx.font = (11 * dpr) + "px system-ui, sans-serif";
      var right = x > u.bbox.left + 0.62 * u.bbox.width;
      ctx.textAlign = right ? "right" : "left";
      ctx.fillText(lg.text, x + (right ? -5 : 5) * dpr, u.bbox.top + 12 * dpr);
      ctx.restore();
    });
  };

  /* The static figure's overlays: ReduceLROnPlateau's reductions (a dotted line on the lr and metric
     panels, a ring on the metric value that triggered each) and a cross where torch stopped a schedule. */
  Figure.prototype.overlays = function (u, panel, lines) {
    var spec = this.spec, ctx = u.ctx, self = this, dpr = window.devicePixelRatio || 1, b = u.bbox;
    var mine = lines.map(function (ln) { return ln.series; });
    function inside(x) { return x >= b.left && x <= b.left + b.width; }
    if (panel.key === "lr" || panel.key === "metric") (spec.drops || []).forEach(function (d) {
      if (mine.indexOf(d.series) < 0 || !self.visible(d.series)) return;
      var x = u.valToPos(self.X(d.step), "x", true), color = spec.series[d.series].color;
      if (!inside(x)) return;
      ctx.save(); ctx.strokeStyle = color; ctx.globalAlpha = 0.8; ctx.lineWidth = 0.9 * dpr;
      ctx.setLineDash([1 * dpr, 2 * dpr]);
      ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
      if (panel.key === "metric" && d.ring != null) {
        ctx.setLineDash([]); ctx.globalAlpha = 1; ctx.lineWidth = 1.2 * dpr;
        ctx.beginPath(); ctx.arc(x, u.valToPos(d.ring, "y", true), 3.5 * dpr, 0, 2 * Math.PI); ctx.stroke();
      }
      ctx.restore();
    });
    if (panel.key === "lr") (spec.stops || []).forEach(function (st) {
      if (mine.indexOf(st.series) < 0 || !self.visible(st.series)) return;
      if (spec.yscale === "log" && !(st.value > 0)) return;
      var x = u.valToPos(self.X(st.step), "x", true), y = u.valToPos(st.value, "y", true), r = 4 * dpr;
      if (!inside(x)) return;
      ctx.save(); ctx.strokeStyle = spec.series[st.series].color; ctx.lineWidth = 2.2 * dpr;
      ctx.beginPath(); ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
      ctx.stroke(); ctx.restore();
    });
  };

  /* --annotate: the static figure's key points, a dot on the line and its label beside it. */
  Figure.prototype.marks = function (u, lines) {
    var spec = this.spec, ctx = u.ctx, self = this, dpr = window.devicePixelRatio || 1;
    var mine = lines.map(function (ln) { return ln.series; }), taken = [];
    (spec.marks || []).forEach(function (m) {
      if (mine.indexOf(m.series) < 0 || !self.visible(m.series)) return;
      if (spec.yscale === "log" && !(m.value > 0)) return;
      var x = u.valToPos(self.X(m.step), "x", true), y = u.valToPos(m.value, "y", true), b = u.bbox;
      if (x < b.left || x > b.left + b.width || y < b.top || y > b.top + b.height) return;
      ctx.save();
      ctx.fillStyle = spec.series[m.series].color; ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 0.7 * dpr;
      ctx.beginPath(); ctx.arc(x, y, 3 * dpr, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      ctx.font = (11 * dpr) + "px system-ui, sans-serif"; ctx.fillStyle = spec.look.fg;
      var right = x > b.left + 0.7 * b.width, w = ctx.measureText(m.text).width, h = 12 * dpr;
      ctx.textAlign = right ? "right" : "left";
      var tx = x + (right ? -6 : 6) * dpr, x0 = right ? tx - w : tx;
      // above the dot, else below it; where both touch an earlier label the dot stays unlabelled (as the static figure)
      [Math.max(b.top + h, y - 6 * dpr), Math.min(b.top + b.height - 2 * dpr, y + 6 * dpr + h)].some(function (ty) {
        var box = [x0, ty - h, x0 + w, ty];
        if (taken.some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; })) return false;
        taken.push(box); ctx.fillText(m.text, tx, ty); return true;
      });
      ctx.restore();
    });
  };

  Figure.prototype.visible = function (i) {
    return !this.hidden[i] && (this.only < 0 || this.spec.series[i].traj === this.only);
  };

  Figure.prototype.legend = function () {
    var self = this;
    this.spec.series.forEach(function (s, i) {
      var item = el("button", "lrviz-entry"); item.type = "button"; item.dataset.series = String(i);
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("width", "28"); svg.setAttribute("height", "10");
      var line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", "0"); line.setAttribute("x2", "28"); line.setAttribute("y1", "5"); line.setAttribute("y2", "5");
      line.setAttribute("stroke", s.color); line.setAttribute("stroke-width", String(self.spec.look.width));
      if (s.dash.length) line.setAttribute("stroke-dasharray", s.dash.join(" "));
      svg.appendChild(line); item.appendChild(svg);
      item.appendChild(el("span", null, s.label));
      if (s.error) item.title = s.error;
      item.addEventListener("click", function () {
        self.hidden[i] = !self.hidden[i];
        item.classList.toggle("lrviz-off", self.hidden[i]);
        self.applyVisibility();
      });
      self.legendEl.appendChild(item);
    });
    var labels = [];
    (this.spec.logged || []).forEach(function (lg) { if (labels.indexOf(lg.label) < 0) labels.push(lg.label); });
    labels.forEach(function (label) {
      var item = el("button", "lrviz-entry"); item.type = "button"; item.dataset.logged = label;
      item.appendChild(el("span", "lrviz-cross", "×")); item.appendChild(el("span", null, label));
      item.addEventListener("click", function () {
        self.hiddenLogs[label] = !self.hiddenLogs[label];
        item.classList.toggle("lrviz-off", !!self.hiddenLogs[label]);
        self.applyVisibility();
      });
      self.legendEl.appendChild(item);
    });
  };

  Figure.prototype.applyVisibility = function () {
    var self = this;
    this.plots.forEach(function (pl) {
      pl.lines.forEach(function (ln, j) {
        var show = ln.logged != null ? self.loggedVisible(ln.logged) : self.visible(ln.series);
        if (pl.u.series[j + 1].show !== show) pl.u.setSeries(j + 1, { show: show });
      });
    });
    this.refresh();
    this.readout(this.lastStep);
  };

  Figure.prototype.plot = function (box, panel, lines, width, height, bottom) {
    var self = this, spec = this.spec, look = spec.look;
    var pl = { panel: panel, lines: lines, modes: [] };
    var stepped = uPlot.paths.stepped({ align: 1 }), linear = uPlot.paths.linear();
    var series = [{}].concat(lines.map(function (ln, j) {
      if (ln.logged != null) return {
        label: spec.logged[ln.logged].label, stroke: look.fg, show: self.loggedVisible(ln.logged),
        paths: function () { return null; },
        points: { show: true, size: 7, width: 1.2, stroke: look.fg, fill: look.fg, paths: crosses },
      };
      var s = spec.series[ln.series];
      return {
        label: s.label, stroke: s.color, width: look.width, dash: s.dash, spanGaps: true,
        show: self.visible(ln.series),
        paths: function (u, si, i0, i1) {
          var m = pl.modes[j];
          if (ln.col.at != null) return linear(u, si, i0, i1);  // the metric fed: its points joined, as the static one
          return (m && m.exact && panel.held ? stepped : linear)(u, si, i0, i1);
        },
        points: { show: function (u, si) {
          var m = pl.modes[si - 1];
          return ln.col.at != null || (m && m.exact && m.count <= 64);
        }, size: 5, fill: s.color, stroke: s.color },
      };
    }));
    var axis = { stroke: look.fg, grid: { stroke: look.grid, width: 1 }, ticks: { stroke: look.edge, width: 1 },
                 values: function (u, splits) { return splits.map(tick); } };
    var xaxis = bottom ? { label: spec.x.name, labelSize: 24 }
                       : { size: 12, values: function (u, splits) { return splits.map(function () { return ""; }); } };
    var opts = {
      width: width, height: height, legend: { show: false },
      scales: { x: { time: false }, y: panel.yscale === "log" ? { distr: 3, log: 10 } : {} },
      axes: [Object.assign({}, axis, xaxis),
             Object.assign({ label: panel.label, size: 84 }, axis)],
      series: series,
      cursor: {
        sync: { key: this.syncKey() }, drag: { x: true, y: false, setScale: true },
        bind: { dblclick: function () { return function () { self.zoom(self.full[0], self.full[1]); return null; }; } },
      },
      hooks: {
        setScale: [function (u, key) { if (key === "x") self.scaled(u); }],
        setCursor: [function (u) { self.hover(u); }],
        draw: [function (u) {
          self.overlays(u, panel, lines); self.divergences(u, lines);
          if (panel.key === "lr") self.marks(u, lines);
        }],
      },
    };
    pl.u = new uPlot(opts, this.data(pl, width), box);
    pl.u.over.addEventListener("wheel", function (e) { self.wheel(e, pl.u); }, { passive: false });
    return pl;
  };

  Figure.prototype.syncKey = function () {
    if (!this._key) this._key = "lrviz-" + Math.random().toString(36).slice(2);
    return this._key;
  };

  /* The data one panel draws for the steps in view: exact values where few enough, else an envelope level. */
  Figure.prototype.data = function (pl, width) {
    var self = this, texts = this.texts, held = pl.panel.held;
    var i0 = Math.max(0, Math.floor(this.K(this.view[0])) - 1);
    var i1 = Math.min(this.spec.n, Math.ceil(this.K(this.view[1])) + 2);
    var tables = pl.lines.map(function (ln, j) {
      var col = ln.col;
      if (col.at != null) {
        var at = texts.num(col.at), v = texts.num(col.exact), xs = [], ys = [];
        for (var q = 0; q < at.length; q++) { xs.push(self.X(at[q])); ys.push(v[q]); }
        pl.modes[j] = { exact: true, count: at.length };
        return [xs, ys];
      }
      var a = Math.min(i0, col.n), b = Math.min(i1, col.n), count = b - a;
      var level = null;
      var source = col.lazy ? self.exact : texts;
      if (col.exact == null || count > EXACT_DRAW || !source) {
        var want = count / (BUCKETS_PER_PX * width);
        for (var L = 0; L < col.levels.length; L++) { level = col.levels[L]; if (level.size >= want) break; }
      }
      if (!level) {
        var vals = source.num(col.exact), ex = [], ey = [];
        for (var k = a; k < b; k++) { ex.push(self.X(k)); ey.push(vals[k]); }
        if (held && b === col.n && b > a) { ex.push(self.X(b)); ey.push(vals[b - 1]); }
        pl.modes[j] = { exact: true, count: count };
        return [ex, ey];
      }
      var lo = texts.num(level.min), hi = texts.num(level.max), size = level.size, lx = [], ly = [];
      var j0 = Math.floor(a / size), j1 = Math.min(lo.length, Math.ceil(b / size));
      for (var c = j0; c < j1; c++) {
        var s0 = c * size, s1 = Math.min(col.n, s0 + size);
        lx.push(self.X(s0)); ly.push(hi[c]);
        lx.push(self.X(s0 + (s1 - s0) / 2)); ly.push(lo[c]);
      }
      if (j1 > j0) { var last = Math.min(col.n, j1 * size); lx.push(self.X(held ? last : last - 1)); ly.push(lo[j1 - 1]); }
      pl.modes[j] = { exact: false, count: count, level: level };
      return [lx, ly];
    });
    if (pl.panel.yscale === "log") tables.forEach(function (t) {
      t[1] = t[1].map(function (v) { return v > 0 && isFinite(v) ? v : null; });
    });
    else tables.forEach(function (t) { t[1] = t[1].map(function (v) { return isFinite(v) ? v : null; }); });
    return tables.length ? uPlot.join(tables) : [[], []];
  };

  /* The y range of what is in view; in a grid, every cell's panel of that kind shares it (as the static grid). */
  Figure.prototype.yRange = function (pl) {
    var lim = pl.panel.key === "lr" ? this.spec.ylim : null, lo = Infinity, hi = -Infinity, self = this;
    var x0 = this.view[0], x1 = this.view[1];
    var shared = this.spec.cells.length > 1 ? this.plots.filter(function (o) { return o.panel === pl.panel; }) : [pl];
    shared.forEach(function (o) {
      var d = o.u.data;
      for (var j = 1; j < d.length; j++) {
        var ln = o.lines[j - 1];
        if (ln.logged != null ? !self.loggedVisible(ln.logged) : !self.visible(ln.series)) continue;
        var ys = d[j];
        for (var k = 0; k < ys.length; k++) {
          var v = ys[k];
          if (v == null || d[0][k] > x1 || (d[0][k + 1] != null && d[0][k + 1] < x0)) continue;
          if (v < lo) lo = v; if (v > hi) hi = v;
        }
      }
    });
    if (!(lo <= hi)) return null;
    var log = pl.panel.yscale === "log";
    if (log) { var f = Math.pow(hi / lo, 0.05) || 1.1; lo /= f === 1 ? 1.5 : f; hi *= f === 1 ? 1.5 : f; }
    else { var pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1; lo -= pad; hi += pad; }
    if (lim) { if (lim[0] != null) lo = lim[0]; if (lim[1] != null) hi = lim[1]; }
    return { min: lo, max: hi };
  };

  Figure.prototype.refresh = function () {
    var self = this;
    this.syncing = true;
    try {
      this.plots.forEach(function (pl) {  // every panel's data first: a grid's y ranges are shared
        pl.u.setData(self.data(pl, pl.u.bbox.width / (window.devicePixelRatio || 1) || 600), false);
      });
      this.plots.forEach(function (pl) {
        pl.u.setScale("x", { min: self.view[0], max: self.view[1] });
        var y = self.yRange(pl);
        if (y) pl.u.setScale("y", y);
      });
    } finally { this.syncing = false; }
  };

  Figure.prototype.zoom = function (a, b) {
    var f = this.full, min = Math.max(f[0], Math.min(a, b)), max = Math.min(f[1], Math.max(a, b));
    if (!(max > min)) return;
    this.view = [min, max];
    this.refresh();
  };

  Figure.prototype.scaled = function (u) {
    if (this.syncing) return;
    var s = u.scales.x, self = this, min = s.min, max = s.max;
    // uPlot is inside its own redraw here (a box zoom): new data set now would be drawn with the old
    // data's index range, so the zoom runs after it
    if (min !== this.view[0] || max !== this.view[1]) setTimeout(function () { self.zoom(min, max); }, 0);
  };

  Figure.prototype.wheel = function (e, u) {
    e.preventDefault();
    var w = this.view[1] - this.view[0], at = u.posToVal(e.offsetX, "x"), shift;
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {  // pan
      shift = w * 0.1 * Math.sign(e.deltaX || e.deltaY);
      shift = Math.max(this.full[0] - this.view[0], Math.min(this.full[1] - this.view[1], shift));
      this.zoom(this.view[0] + shift, this.view[1] + shift);
      return;
    }
    var f = e.deltaY < 0 ? 0.75 : 1 / 0.75, min = at - (at - this.view[0]) * f, max = at + (this.view[1] - at) * f;
    if (max - min < this.X(2)) return;
    this.zoom(min, max);
  };

  Figure.prototype.hover = function (u) {
    var left = u.cursor.left;
    if (left == null || left < 0) { this.readout(null); return; }
    var k = this.K(u.posToVal(left, "x"));
    k = this.spec.held ? Math.floor(k + 1e-9) : Math.round(k);
    this.readout(Math.max(0, Math.min(this.spec.n - 1, k)));
  };

  /* The readout: the step (and epoch, tokens) and, per visible series, each panel's recorded text. */
  Figure.prototype.readout = function (k) {
    var spec = this.spec, self = this, box = this.readoutEl;
    this.lastStep = k;
    box.textContent = "";
    if (k == null) { box.appendChild(el("div", "lrviz-hint", "hover: exact values · drag: zoom · wheel: zoom, shift+wheel: pan · double-click: reset · legend: show/hide")); return; }
    var head = "step " + k;
    if (spec.x.name === "epoch") head += " · epoch " + String(this.X(k));
    if (spec.x.name === "tokens") head += " · tokens " + String(this.X(k));
    var where = el("div", "lrviz-at", head); where.dataset.step = String(k); box.appendChild(where);
    var table = el("table"), hr = el("tr");
    hr.appendChild(el("th", null, ""));
    spec.panels.forEach(function (p) { hr.appendChild(el("th", null, p.label)); });
    table.appendChild(hr);
    spec.series.forEach(function (s, i) {
      if (!self.visible(i)) return;
      var tr = el("tr"); tr.dataset.series = String(i);
      var name = el("td", "lrviz-name", s.label); name.style.color = s.color; tr.appendChild(name);
      spec.panels.forEach(function (p) {
        var td = el("td"); td.dataset.panel = p.key;
        var ln = p.lines.filter(function (l) { return l.series === i; })[0];
        td.textContent = ln ? self.valueText(p, ln, k) : "";
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    var rows = {};
    (spec.logged || []).forEach(function (lg, li) {
      if (!self.loggedVisible(li)) return;
      var key = lg.label + "\u0000" + lg.traj;
      if (!rows[key]) {
        var tr = el("tr"); tr.dataset.logged = String(li);
        tr.appendChild(el("td", "lrviz-name", lg.label + (spec.trajs.length > 1 ? " (" + spec.trajs[lg.traj] + ")" : "")));
        spec.panels.forEach(function (p) { var td = el("td"); td.dataset.panel = p.key; tr.appendChild(td); });
        rows[key] = tr; table.appendChild(tr);
      }
      var cell = rows[key].querySelector('td[data-panel="' + lg.panel + '"]');
      if (cell) cell.textContent = self.valueText({ held: false }, { col: lg.col }, k);
    });
    box.appendChild(table);
  };

  Figure.prototype.valueText = function (p, ln, k) {
    var col = ln.col, texts = this.texts;
    if (col.at != null) {
      // the metric fed at the end of step k sits at k + 1 on a held figure (lrviz.render.panels._metric)
      var at = texts.num(col.at), want = this.spec.held && !col.logged ? k + 1 : k;
      for (var q = 0; q < at.length; q++) if (at[q] === want) return texts.str(col.exact)[q];
      return "";
    }
    if (k >= col.n) return "—";
    var source = col.lazy ? this.exact : texts;
    if (col.exact != null && source) return source.str(col.exact)[k];
    if (col.exact != null && !col.levels.length) return "…";
    var level = this.levelAt(p, ln) || col.levels[0], c = Math.floor(k / level.size);
    var s0 = c * level.size, s1 = Math.min(col.n, s0 + level.size) - 1;
    return "min " + texts.str(level.min)[c] + " · max " + texts.str(level.max)[c] + " (steps " + s0 + "–" + s1 + ")";
  };

  Figure.prototype.levelAt = function (p, ln) {
    for (var i = 0; i < this.plots.length; i++) {
      var pl = this.plots[i], j = pl.lines.indexOf(ln);
      if (pl.panel === p && j >= 0 && pl.modes[j]) return pl.modes[j].level;
    }
    return null;
  };

  /* For tests and the curious: what a panel draws now ([x..], [y..]) and how. */
  Figure.prototype.drawn = function (key, series) {
    for (var i = 0; i < this.plots.length; i++) {
      var pl = this.plots[i];
      if (pl.panel.key !== key) continue;
      for (var j = 0; j < pl.lines.length; j++) if (pl.lines[j].series === series) {
        var xs = [], ys = [], d = pl.u.data;
        for (var k = 0; k < d[0].length; k++) if (d[j + 1][k] != null) { xs.push(d[0][k]); ys.push(d[j + 1][k]); }
        return { mode: pl.modes[j], x: xs, y: ys, view: this.view.slice() };
      }
    }
    return null;
  };

  function start() {
    window.lrvizFigures = window.lrvizFigures || [];
    var roots = document.querySelectorAll(".lrviz-figure:not([data-ready])");
    return Promise.all(Array.prototype.map.call(roots, function (root) {
      root.dataset.ready = "loading";
      var spec = JSON.parse(document.getElementById(root.dataset.spec).textContent);
      return inflate(spec.blob).then(function (lines) {
        var fig = new Figure(root, spec, new Texts(lines));
        window.lrvizFigures.push(fig);
        fig.readyAt = performance.now();  // drawn (uPlot draws synchronously on creation)
        root.dataset.ready = "drawn";
        return new Promise(function (r) { setTimeout(r, 0); })  // let the first frame paint
          .then(function () { return inflate(spec.exactBlob); })
          .then(function (exact) {
            fig.exact = new Texts(exact);
            fig.refresh();
            fig.readout(fig.lastStep);
            return new Promise(function (r) { setTimeout(r, 0); });
          })
          .then(function () {  // parse the exact columns now, not on the first zoom (1M values: about 1 s)
            spec.panels.forEach(function (p) {
              p.lines.forEach(function (ln) { if (ln.col.lazy && ln.col.exact != null) fig.exact.num(ln.col.exact); });
            });
            root.dataset.ready = "yes";
            return fig;
          });
      });
    })).catch(function (e) { console.error("lrviz: " + (e && e.stack || e)); });
  }

  window.lrvizStart = start;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
