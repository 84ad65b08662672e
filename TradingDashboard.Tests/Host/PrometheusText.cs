using System.Globalization;
using System.Text;

namespace TradingDashboard.Tests.Host;

/// <summary>A small parser of the Prometheus text format 0.0.4, written for the tests from the format's description.</summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<Sample> samples, IReadOnlyDictionary<string, string> types, IReadOnlyDictionary<string, string> helps)
    {
        Samples = samples;
        Types = types;
        Helps = helps;
    }

    public IReadOnlyList<Sample> Samples { get; }

    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyDictionary<string, string> Helps { get; }

    /// <summary>The one sample of <paramref name="name"/> with exactly these labels; throws if absent.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var wanted = labels.ToDictionary(l => l.Name, l => l.Value);
        var matches = Samples.Where(s => s.Name == name && s.Labels.Count == wanted.Count && wanted.All(kv => s.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
        return matches.Count == 1
            ? matches[0].Value
            : throw new InvalidOperationException($"{matches.Count} samples of {name} with {string.Join(",", labels)}");
    }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>();
        var helps = new Dictionary<string, string>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ');
                types.Add(parts[0], parts[1]);
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                helps.Add(rest[..space], rest[(space + 1)..]);
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            samples.Add(ParseSample(line, types));
        }

        return new PrometheusText(samples, types, helps);
    }

    private static Sample ParseSample(string line, Dictionary<string, string> typesSoFar)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        var name = line[..i];
        if (!typesSoFar.ContainsKey(name))
        {
            throw new FormatException($"Sample of {name} before its TYPE line.");
        }

        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var labelName = line[i..eq];
                i = eq + 1;
                if (line[i] != '"')
                {
                    throw new FormatException($"Unquoted label value in: {line}");
                }

                i++;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                i++;
                labels.Add(labelName, value.ToString());
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        if (line[i] != ' ')
        {
            throw new FormatException($"Expected a space before the value in: {line}");
        }

        var number = line[(i + 1)..];
        var parsed = number switch
        {
            "NaN" => double.NaN,
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
