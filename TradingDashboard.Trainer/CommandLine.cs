using System.Globalization;

namespace TradingDashboard.Trainer;

/// <summary>Thrown for a bad command line (unknown verb or option, missing value); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The options of one verb: <c>--name value</c> pairs and <c>--flag</c> switches. Unknown options are refused.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CommandLine(string verb, IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string>? flags = null)
    {
        Verb = verb;
        flags ??= [];
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{verb}: unexpected argument '{arg}'.");
            }

            var name = arg[2..];
            if (flags.Contains(name))
            {
                _values[name] = null;
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"{verb}: unknown option '{arg}'.");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{verb}: option '{arg}' needs a value.");
            }

            _values[name] = args[++i];
        }
    }

    public string Verb { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new UsageException($"{Verb}: missing required option --{name}.");

    public string? Optional(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"{Verb}: --{name} must be a whole number from {min} to {max} (got '{text}').");
        }

        return value;
    }

    public DateTimeOffset? Date(string name)
    {
        var text = Optional(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new UsageException($"{Verb}: --{name} must be a UTC date such as 2024-10-01 or 2024-10-01T12:00 (got '{text}').");
    }
}
