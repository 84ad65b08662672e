namespace TradingDashboard.Tests.Indicators;

/// <summary>
/// A second, deliberately plain implementation of each indicator, written from the TA-Lib definitions (look-back, seeding,
/// smoothing) with direct loops over whole windows instead of running sums. Used to check the production code.
/// Arrays: NaN where the indicator is not yet valid.
/// </summary>
internal static class ReferenceIndicators
{
    private const double Eps = 0.00000000000001; // TA-Lib 0.6 TA_EPSILON

    public static double[] Nan(int n)
    {
        var a = new double[n];
        Array.Fill(a, double.NaN);
        return a;
    }

    public static double[] Sma(double[] x, int p)
    {
        var r = Nan(x.Length);
        for (var i = p - 1; i < x.Length; i++)
        {
            double s = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                s += x[j];
            }

            r[i] = s / p;
        }

        return r;
    }

    /// <summary>EMA seeded at index <paramref name="seedEnd"/> with the mean of the p values ending there.</summary>
    public static double[] Ema(double[] x, int p, int seedEnd)
    {
        var r = Nan(x.Length);
        if (seedEnd >= x.Length)
        {
            return r;
        }

        double s = 0;
        for (var j = seedEnd - p + 1; j <= seedEnd; j++)
        {
            s += x[j];
        }

        var k = 2.0 / (p + 1);
        r[seedEnd] = s / p;
        for (var i = seedEnd + 1; i < x.Length; i++)
        {
            r[i] = (k * x[i]) + ((1 - k) * r[i - 1]);
        }

        return r;
    }

    public static double[] Wma(double[] x, int p)
    {
        var r = Nan(x.Length);
        var divider = p * (p + 1) / 2.0;
        for (var i = p - 1; i < x.Length; i++)
        {
            double s = 0;
            for (var w = 1; w <= p; w++)
            {
                s += w * x[i - p + w];
            }

            r[i] = s / divider;
        }

        return r;
    }

    public static double[] Rsi(double[] x, int p)
    {
        var r = Nan(x.Length);
        if (x.Length <= p)
        {
            return r;
        }

        double gain = 0, loss = 0;
        for (var i = 1; i <= p; i++)
        {
            var d = x[i] - x[i - 1];
            gain += Math.Max(d, 0);
            loss += Math.Max(-d, 0);
        }

        gain /= p;
        loss /= p;
        r[p] = Math.Abs(gain + loss) < Eps ? 0 : 100 * gain / (gain + loss);
        for (var i = p + 1; i < x.Length; i++)
        {
            var d = x[i] - x[i - 1];
            gain = ((gain * (p - 1)) + Math.Max(d, 0)) / p;
            loss = ((loss * (p - 1)) + Math.Max(-d, 0)) / p;
            r[i] = Math.Abs(gain + loss) < Eps ? 0 : 100 * gain / (gain + loss);
        }

        return r;
    }

    public static (double[] Macd, double[] Signal, double[] Hist) Macd(double[] x, int fast, int slow, int signal)
    {
        var n = x.Length;
        var fastEma = Ema(x, fast, slow - 1);
        var slowEma = Ema(x, slow, slow - 1);
        var line = Nan(n);
        for (var i = slow - 1; i < n; i++)
        {
            line[i] = fastEma[i] - slowEma[i];
        }

        var first = slow - 1 + signal - 1;
        var macd = Nan(n);
        var sig = Nan(n);
        var hist = Nan(n);
        if (first >= n)
        {
            return (macd, sig, hist);
        }

        double s = 0;
        for (var j = slow - 1; j <= first; j++)
        {
            s += line[j];
        }

        var k = 2.0 / (signal + 1);
        for (var i = first; i < n; i++)
        {
            sig[i] = i == first ? s / signal : (k * line[i]) + ((1 - k) * sig[i - 1]);
            macd[i] = line[i];
            hist[i] = line[i] - sig[i];
        }

        return (macd, sig, hist);
    }

    public static double[] PopulationStdDev(double[] x, int p)
    {
        var r = Nan(x.Length);
        for (var i = p - 1; i < x.Length; i++)
        {
            double mean = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                mean += x[j];
            }

            mean /= p;
            double v = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                v += (x[j] - mean) * (x[j] - mean);
            }

            v /= p;
            r[i] = v < Eps ? 0 : Math.Sqrt(v);
        }

        return r;
    }

    public static double TrueRange(double[] h, double[] l, double[] c, int i) =>
        Math.Max(h[i] - l[i], Math.Max(Math.Abs(h[i] - c[i - 1]), Math.Abs(l[i] - c[i - 1])));

    public static double[] Atr(double[] h, double[] l, double[] c, int p)
    {
        var r = Nan(c.Length);
        if (c.Length <= p)
        {
            return r;
        }

        double s = 0;
        for (var i = 1; i <= p; i++)
        {
            s += TrueRange(h, l, c, i);
        }

        r[p] = s / p;
        for (var i = p + 1; i < c.Length; i++)
        {
            r[i] = ((r[i - 1] * (p - 1)) + TrueRange(h, l, c, i)) / p;
        }

        return r;
    }

    private static (double Hh, double Ll) Range(double[] h, double[] l, int i, int p)
    {
        double hh = double.MinValue, ll = double.MaxValue;
        for (var j = i - p + 1; j <= i; j++)
        {
            hh = Math.Max(hh, h[j]);
            ll = Math.Min(ll, l[j]);
        }

        return (hh, ll);
    }

    public static (double[] K, double[] D) Stoch(double[] h, double[] l, double[] c, int fk, int sk, int sd)
    {
        var n = c.Length;
        var fast = Nan(n);
        for (var i = fk - 1; i < n; i++)
        {
            var (hh, ll) = Range(h, l, i, fk);
            fast[i] = hh == ll ? 0 : 100 * (c[i] - ll) / (hh - ll);
        }

        var slowK = Nan(n);
        for (var i = fk - 1 + sk - 1; i < n; i++)
        {
            double s = 0;
            for (var j = i - sk + 1; j <= i; j++)
            {
                s += fast[j];
            }

            slowK[i] = s / sk;
        }

        var first = fk - 1 + sk - 1 + sd - 1;
        var k = Nan(n);
        var d = Nan(n);
        for (var i = first; i < n; i++)
        {
            double s = 0;
            for (var j = i - sd + 1; j <= i; j++)
            {
                s += slowK[j];
            }

            d[i] = s / sd;
            k[i] = slowK[i];
        }

        return (k, d);
    }

    public static double[] WillR(double[] h, double[] l, double[] c, int p)
    {
        var r = Nan(c.Length);
        for (var i = p - 1; i < c.Length; i++)
        {
            var (hh, ll) = Range(h, l, i, p);
            r[i] = hh == ll ? 0 : -100 * (hh - c[i]) / (hh - ll);
        }

        return r;
    }

    public static double[] Cci(double[] h, double[] l, double[] c, int p)
    {
        var n = c.Length;
        var tp = new double[n];
        for (var i = 0; i < n; i++)
        {
            tp[i] = (h[i] + l[i] + c[i]) / 3;
        }

        var r = Nan(n);
        for (var i = p - 1; i < n; i++)
        {
            double mean = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                mean += tp[j];
            }

            mean /= p;
            double md = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                md += Math.Abs(tp[j] - mean);
            }

            md /= p;
            var dist = tp[i] - mean;
            r[i] = dist == 0 || md == 0 ? 0 : dist / (0.015 * md);
        }

        return r;
    }

    /// <summary>ADX, +DI, -DI with TA-Lib's seeding, written as explicit per-bar arrays.</summary>
    public static (double[] Adx, double[] PlusDi, double[] MinusDi) Dmi(double[] h, double[] l, double[] c, int p)
    {
        var n = c.Length;
        var pdm1 = new double[n];
        var mdm1 = new double[n];
        var tr1 = new double[n];
        for (var i = 1; i < n; i++)
        {
            var up = h[i] - h[i - 1];
            var down = l[i - 1] - l[i];
            if (down > 0 && up < down)
            {
                mdm1[i] = down;
            }
            else if (up > 0 && up > down)
            {
                pdm1[i] = up;
            }

            tr1[i] = TrueRange(h, l, c, i);
        }

        var adx = Nan(n);
        var pdi = Nan(n);
        var mdi = Nan(n);
        var dx = Nan(n);
        if (n <= p)
        {
            return (adx, pdi, mdi);
        }

        double sp = 0, sm = 0, st = 0;
        for (var i = 1; i <= p - 1; i++)
        {
            sp += pdm1[i];
            sm += mdm1[i];
            st += tr1[i];
        }

        for (var i = p; i < n; i++)
        {
            sp = sp - (sp / p) + pdm1[i];
            sm = sm - (sm / p) + mdm1[i];
            st = st - (st / p) + tr1[i];
            if (Math.Abs(st) < Eps)
            {
                pdi[i] = 0;
                mdi[i] = 0;
                continue;
            }

            pdi[i] = 100 * sp / st;
            mdi[i] = 100 * sm / st;
            if (Math.Abs(pdi[i] + mdi[i]) >= Eps)
            {
                dx[i] = 100 * Math.Abs(mdi[i] - pdi[i]) / (mdi[i] + pdi[i]);
            }
        }

        var first = (2 * p) - 1;
        if (first >= n)
        {
            return (adx, pdi, mdi);
        }

        double sumDx = 0;
        for (var i = p; i <= first; i++)
        {
            sumDx += double.IsNaN(dx[i]) ? 0 : dx[i];
        }

        adx[first] = sumDx / p;
        for (var i = first + 1; i < n; i++)
        {
            adx[i] = double.IsNaN(dx[i]) ? adx[i - 1] : ((adx[i - 1] * (p - 1)) + dx[i]) / p;
        }

        return (adx, pdi, mdi);
    }

    public static double[] Obv(double[] c, double[] v)
    {
        var r = new double[c.Length];
        for (var i = 0; i < c.Length; i++)
        {
            r[i] = i == 0 ? v[0] : r[i - 1] + (c[i] > c[i - 1] ? v[i] : c[i] < c[i - 1] ? -v[i] : 0);
        }

        return r;
    }

    public static double[] Mfi(double[] h, double[] l, double[] c, double[] v, int p)
    {
        var n = c.Length;
        var r = Nan(n);
        for (var i = p; i < n; i++)
        {
            double pos = 0, neg = 0;
            for (var j = i - p + 1; j <= i; j++)
            {
                var tp = (h[j] + l[j] + c[j]) / 3;
                var prev = (h[j - 1] + l[j - 1] + c[j - 1]) / 3;
                if (tp > prev)
                {
                    pos += tp * v[j];
                }
                else if (tp < prev)
                {
                    neg += tp * v[j];
                }
            }

            r[i] = pos + neg < 1.0 ? 0 : 100 * pos / (pos + neg);
        }

        return r;
    }

    public static double[] Roc(double[] c, int p)
    {
        var r = Nan(c.Length);
        for (var i = p; i < c.Length; i++)
        {
            r[i] = c[i - p] == 0 ? 0 : 100 * ((c[i] / c[i - p]) - 1);
        }

        return r;
    }

    public static double[] Vwap(long[] t, double[] h, double[] l, double[] c, double[] v)
    {
        var r = Nan(c.Length);
        for (var i = 0; i < c.Length; i++)
        {
            var day = DateTimeOffset.FromUnixTimeMilliseconds(t[i]).UtcDateTime.Date;
            double pv = 0, vol = 0;
            for (var j = i; j >= 0 && DateTimeOffset.FromUnixTimeMilliseconds(t[j]).UtcDateTime.Date == day; j--)
            {
                pv += (h[j] + l[j] + c[j]) / 3 * v[j];
                vol += v[j];
            }

            r[i] = vol > 0 ? pv / vol : double.NaN;
        }

        return r;
    }
}
