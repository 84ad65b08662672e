// Live updates for the candlestick + volume figure of Components/Charts/CandlestickChart.razor.
//
// The server sends only the candles that changed since its last UI tick (at most ~10 times a second). They are
// applied to the figure's own arrays with the rules of CandleSeries.cs: a candle with the same time replaces the
// shown one (the forming candle moving), a newer one is appended (a new candle opened), at most maxPoints are kept.
// Then Plotly redraws once. Plotly.extendTraces does the same internally (splice the arrays, then redraw); doing it
// here lets a replaced candle and a newly opened one, on both traces, share a single redraw, and keeps the whole
// figure off the wire: a full Plotly.react happens only when the symbol or the timeframe changes.
//
// Trace 0 is the candlestick (x, open, high, low, close), trace 1 the volume bars (x, y, marker.color).

const waiting = new Map();

function isPlotted(gd) {
    return !!(gd && window.Plotly && Array.isArray(gd.data) && gd.data.length >= 2 && gd._fullLayout);
}

export function applyCandles(id, candles, maxPoints) {
    if (!Array.isArray(candles) || candles.length === 0) {
        return;
    }

    const queued = waiting.get(id);
    if (queued) {
        queued.candles.push(...candles);
        queued.maxPoints = maxPoints;
        return;
    }

    const gd = document.getElementById(id);
    if (!gd) {
        return;
    }

    if (isPlotted(gd)) {
        apply(gd, candles, maxPoints);
        return;
    }

    // Plotly.Blazor draws the first figure once plotly.js has loaded; hold the updates until then. Replaying them
    // later is safe: the rules are idempotent.
    waiting.set(id, { candles: [...candles], maxPoints });
    retry(id, 0);
}

function retry(id, attempt) {
    setTimeout(() => {
        const entry = waiting.get(id);
        if (!entry) {
            return;
        }

        const gd = document.getElementById(id);
        if (gd && isPlotted(gd)) {
            waiting.delete(id);
            apply(gd, entry.candles, entry.maxPoints);
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

function apply(gd, candles, maxPoints) {
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

    if (!changed) {
        return;
    }

    if (maxPoints > 0) {
        for (const key of Object.keys(cols)) {
            const excess = cols[key].length - maxPoints;
            if (excess > 0) {
                cols[key].splice(0, excess);
            }
        }
    }

    window.Plotly.redraw(gd);
}
