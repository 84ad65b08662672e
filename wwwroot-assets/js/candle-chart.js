// Live updates for the price figure of Components/Charts/CandlestickChart.razor (candles, volume, indicator overlays,
// pivot markers, RSI / MACD panels; see ChartFigure.cs for the trace layout).
//
// The server sends only what changed since its last UI tick (at most ~10 times a second). Candles and indicator rows
// are applied to the figure's own arrays with the rules of CandleSeries.cs / IndicatorSeries.cs: a point with the same
// time replaces the shown one (the forming bar moving), a newer one is appended (a new bar), at most maxPoints are
// kept. Pivot markers and reloaded indicators replace a trace's arrays. Then Plotly redraws once. Plotly.extendTraces
// does the same internally (splice the arrays, then redraw); doing it here lets every change of a tick share a single
// redraw, and keeps the whole figure off the wire: a full Plotly.react happens only when the symbol, the timeframe or
// a toggle changes.
//
// Trace 0 is the candlestick (x, open, high, low, close), trace 1 the volume bars (x, y, marker.color); the other
// traces are found by their uid ("ind:<column>", "pivot:<level>"). A band's shaded area ("band:<key>") is a polygon
// rebuilt here from its upper and lower traces (named in its meta) whenever indicators change.

const waiting = new Map();

function isPlotted(gd) {
    return !!(gd && window.Plotly && Array.isArray(gd.data) && gd.data.length >= 2 && gd._fullLayout);
}

// Runs op(gd) now if the figure is drawn, else once it is: Plotly.Blazor draws the first figure after plotly.js has
// loaded. Queued operations run in order; replaying them later is safe, the rules are idempotent.
function whenPlotted(id, op) {
    const queued = waiting.get(id);
    if (queued) {
        queued.push(op);
        return;
    }

    const gd = document.getElementById(id);
    if (!gd) {
        return;
    }

    if (isPlotted(gd)) {
        op(gd);
        return;
    }

    waiting.set(id, [op]);
    retry(id, 0);
}

function retry(id, attempt) {
    setTimeout(() => {
        const ops = waiting.get(id);
        if (!ops) {
            return;
        }

        const gd = document.getElementById(id);
        if (gd && isPlotted(gd)) {
            waiting.delete(id);
            for (const op of ops) {
                op(gd);
            }
        } else if (gd && attempt < 600) {
            retry(id, attempt + 1);
        } else {
            waiting.delete(id);
        }
    }, 50);
}

function column(trace, name) {
    if (!Array.isArray(trace[name])) {
        trace[name] = [];
    }

    return trace[name];
}

function lastIndexOf(xs, x) {
    for (let i = xs.length - 1; i >= 0; i--) {
        if (xs[i] === x) {
            return i;
        }

        if (xs[i] < x) {
            return -1;
        }
    }

    return -1;
}

function trim(arrays, maxPoints) {
    if (maxPoints > 0) {
        for (const a of arrays) {
            const excess = a.length - maxPoints;
            if (excess > 0) {
                a.splice(0, excess);
            }
        }
    }
}

function traceByUid(gd, uid) {
    return gd.data.find(t => t.uid === uid);
}

export function applyCandles(id, candles, maxPoints) {
    if (!Array.isArray(candles) || candles.length === 0) {
        return;
    }

    whenPlotted(id, gd => {
        if (applyCandlesTo(gd, candles, maxPoints)) {
            window.Plotly.redraw(gd);
        }
    });
}

function applyCandlesTo(gd, candles, maxPoints) {
    const candle = gd.data[0];
    const volume = gd.data[1];
    volume.marker = volume.marker || {};
    if (!Array.isArray(volume.marker.color)) {
        volume.marker.color = [];
    }

    const cols = {
        x: column(candle, 'x'),
        open: column(candle, 'open'),
        high: column(candle, 'high'),
        low: column(candle, 'low'),
        close: column(candle, 'close'),
        vx: column(volume, 'x'),
        vy: column(volume, 'y'),
        vc: volume.marker.color,
    };

    let changed = false;
    for (const k of candles) {
        const n = cols.x.length;
        if (n === 0 || k.x > cols.x[n - 1]) {
            cols.x.push(k.x);
            cols.open.push(k.open);
            cols.high.push(k.high);
            cols.low.push(k.low);
            cols.close.push(k.close);
            cols.vx.push(k.x);
            cols.vy.push(k.volume);
            cols.vc.push(k.volumeColor);
            changed = true;
            continue;
        }

        const i = lastIndexOf(cols.x, k.x);
        if (i < 0) {
            continue;
        }

        cols.open[i] = k.open;
        cols.high[i] = k.high;
        cols.low[i] = k.low;
        cols.close[i] = k.close;
        const vi = lastIndexOf(cols.vx, k.x);
        if (vi >= 0) {
            cols.vy[vi] = k.volume;
            cols.vc[vi] = k.volumeColor;
        }

        changed = true;
    }

    if (changed) {
        trim(Object.values(cols), maxPoints);
    }

    return changed;
}

// updates: [{ uid, points: [{ x, y, color }] }]; y null is a gap (a value not yet valid); color, when given, goes to
// marker.color (the MACD histogram's per-bar colour).
export function applySeries(id, updates, maxPoints) {
    if (!Array.isArray(updates) || updates.length === 0) {
        return;
    }

    whenPlotted(id, gd => {
        let changed = false;
        for (const u of updates) {
            const trace = traceByUid(gd, u.uid);
            if (!trace || !Array.isArray(u.points)) {
                continue;
            }

            const xs = column(trace, 'x');
            const ys = column(trace, 'y');
            const colors = trace.marker && Array.isArray(trace.marker.color) ? trace.marker.color : null;
            for (const p of u.points) {
                const n = xs.length;
                if (n === 0 || p.x > xs[n - 1]) {
                    xs.push(p.x);
                    ys.push(p.y);
                    if (colors) {
                        colors.push(p.color ?? null);
                    }
                } else {
                    const i = lastIndexOf(xs, p.x);
                    if (i < 0) {
                        continue;
                    }

                    ys[i] = p.y;
                    if (colors) {
                        colors[i] = p.color ?? colors[i];
                    }
                }

                changed = true;
            }

            trim(colors ? [xs, ys, colors] : [xs, ys], maxPoints);
        }

        if (changed) {
            rebuildBands(gd);
            window.Plotly.redraw(gd);
        }
    });
}

// The outline of a band: for each run where both bounds are valid, upper forward then lower backward; runs are
// separated by a null y ("toself" fills each segment on its own). Same rule as ChartFigure.BandPolygon.
function bandPolygon(xs, up, lo) {
    const px = [];
    const py = [];
    const n = Math.min(xs.length, up.length, lo.length);
    let i = 0;
    while (i < n) {
        if (up[i] == null || lo[i] == null) {
            i++;
            continue;
        }

        const start = i;
        while (i < n && up[i] != null && lo[i] != null) {
            i++;
        }

        if (px.length > 0) {
            px.push(xs[start]);
            py.push(null);
        }

        for (let k = start; k < i; k++) {
            px.push(xs[k]);
            py.push(up[k]);
        }

        for (let k = i - 1; k >= start; k--) {
            px.push(xs[k]);
            py.push(lo[k]);
        }
    }

    return [px, py];
}

function rebuildBands(gd) {
    for (const band of gd.data) {
        if (typeof band.uid !== 'string' || !band.uid.startsWith('band:') || !Array.isArray(band.meta)) {
            continue;
        }

        const upper = traceByUid(gd, band.meta[0]);
        const lower = traceByUid(gd, band.meta[1]);
        if (upper && lower && Array.isArray(upper.x) && Array.isArray(upper.y) && Array.isArray(lower.y)) {
            [band.x, band.y] = bandPolygon(upper.x, upper.y, lower.y);
        }
    }
}

// traces: [{ uid, x, y, text, symbols, colors }]: the whole arrays of each trace (null fields are left alone).
export function replaceTraces(id, traces) {
    if (!Array.isArray(traces) || traces.length === 0) {
        return;
    }

    whenPlotted(id, gd => {
        let changed = false;
        for (const t of traces) {
            const trace = traceByUid(gd, t.uid);
            if (!trace) {
                continue;
            }

            trace.x = t.x;
            trace.y = t.y;
            if (Array.isArray(t.text)) {
                trace.text = t.text;
            }

            if (Array.isArray(t.symbols) || Array.isArray(t.colors)) {
                trace.marker = trace.marker || {};
                if (Array.isArray(t.symbols)) {
                    trace.marker.symbol = t.symbols;
                }

                if (Array.isArray(t.colors)) {
                    trace.marker.color = t.colors;
                }
            }

            changed = true;
        }

        if (changed) {
            rebuildBands(gd);
            window.Plotly.redraw(gd);
        }
    });
}

// The figure grows with its panels; Plotly then lays the domains out in the new height.
export function setHeight(id, height) {
    whenPlotted(id, gd => {
        if (gd.style.height !== height) {
            gd.style.height = height;
            window.Plotly.Plots.resize(gd);
        }
    });
}

// Plotly's responsive mode follows the window only. The drawer opening or closing (or anything else) changes the
// chart's width without a window resize, so the figure is refitted to its element's width whenever that changes
// (Plots.resize relayouts with the new size; at most once per animation frame).
const widthObservers = new Map();

export function followWidth(id) {
    const gd = document.getElementById(id);
    if (!gd || widthObservers.has(id) || typeof ResizeObserver === 'undefined') {
        return;
    }

    let frame = 0;
    let lastWidth = -1;
    const observer = new ResizeObserver(entries => {
        const width = Math.round(entries[entries.length - 1].contentRect.width);
        if (width === lastWidth || width === 0) {
            return;
        }

        lastWidth = width;
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => {
            if (gd.isConnected && isPlotted(gd)) {
                window.Plotly.Plots.resize(gd);
            }
        });
    });
    observer.observe(gd);
    widthObservers.set(id, observer);
}

export function unfollowWidth(id) {
    const observer = widthObservers.get(id);
    if (observer) {
        observer.disconnect();
        widthObservers.delete(id);
    }
}
