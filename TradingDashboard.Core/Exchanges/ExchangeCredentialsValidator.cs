using Microsoft.Extensions.Options;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Refuses to start when the configured venue is Binance or MEXC and its keys are missing (Live mode, or Paper mode
/// against the Binance testnet), naming the settings and where they go. Also checks the venue settings themselves.
/// </summary>
public sealed class ExchangeCredentialsValidator : IValidateOptions<ExecutionOptions>
{
    private readonly BinanceTradingOptions _binance;
    private readonly MexcTradingOptions _mexc;

    public ExchangeCredentialsValidator(IOptions<BinanceTradingOptions> binance, IOptions<MexcTradingOptions> mexc)
    {
        ArgumentNullException.ThrowIfNull(binance);
        ArgumentNullException.ThrowIfNull(mexc);
        _binance = binance.Value;
        _mexc = mexc.Value;
    }

    public ValidateOptionsResult Validate(string? name, ExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        switch (options.Venue)
        {
            case "Binance":
                Check(errors, options.Mode, "Binance", _binance);
                if (options.Mode == TradingMode.Paper && !_binance.UseTestnet)
                {
                    errors.Add("Trading:Execution:Venue is Binance in Paper mode: set Trading:Execution:Binance:UseTestnet to true (paper trading never sends orders to the real Binance), or use Venue Paper.");
                }

                break;
            case "Mexc":
                Check(errors, options.Mode, "Mexc", _mexc);
                if (options.Mode == TradingMode.Paper)
                {
                    errors.Add("Trading:Execution:Venue is Mexc in Paper mode, but MEXC has no spot testnet: use Venue Paper for paper trading, or Mode Live.");
                }

                if (_mexc.FillPollIntervalMs is < 200 or > 60_000)
                {
                    errors.Add("Trading:Execution:Mexc:FillPollIntervalMs must be between 200 and 60000.");
                }

                break;
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, TradingMode mode, string venue, ExchangeCredentialsOptions o)
    {
        var p = $"Trading:Execution:{venue}:";
        if (string.IsNullOrWhiteSpace(o.ApiKey))
        {
            errors.Add($"{p}ApiKey is missing ({mode} mode with Venue {venue}): set the environment variable Trading__Execution__{venue}__ApiKey or the user secret {p}ApiKey.");
        }

        if (string.IsNullOrWhiteSpace(o.ApiSecret))
        {
            errors.Add($"{p}ApiSecret is missing ({mode} mode with Venue {venue}): set the environment variable Trading__Execution__{venue}__ApiSecret or the user secret {p}ApiSecret.");
        }

        if (!Uri.TryCreate(o.ResolvedRestBaseUrl(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            errors.Add($"{p}RestBaseUrl must be an absolute http(s) URL.");
        }

        if (o.RecvWindowMs is < 1 or > 60_000)
        {
            errors.Add($"{p}RecvWindowMs must be between 1 and 60000.");
        }

        if (o.RequestTimeoutMs is < 100 or > 120_000)
        {
            errors.Add($"{p}RequestTimeoutMs must be between 100 and 120000.");
        }
    }
}
