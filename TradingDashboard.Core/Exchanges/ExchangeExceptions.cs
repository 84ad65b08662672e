using System.Net;

namespace TradingDashboard.Core.Exchanges;

/// <summary>A venue's stream could not be kept up: it failed <see cref="ExchangeClientSettings.MaxConsecutiveFailures"/> times in a row.</summary>
public sealed class ExchangeConnectionException : Exception
{
    public ExchangeConnectionException()
    {
    }

    public ExchangeConnectionException(string message)
        : base(message)
    {
    }

    public ExchangeConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A venue REST call failed with an answer that retrying will not fix (4xx other than 429/418, or a malformed body).</summary>
public sealed class ExchangeApiException : Exception
{
    public ExchangeApiException()
    {
    }

    public ExchangeApiException(string message)
        : base(message)
    {
    }

    public ExchangeApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ExchangeApiException(string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode? StatusCode { get; }
}

/// <summary>
/// The venue asked us to stop (429 or 418) for longer than we wait inside one call, or kept asking after every retry.
/// <see cref="RetryAt"/> is when requests may resume.
/// </summary>
public sealed class ExchangeRateLimitedException : Exception
{
    public ExchangeRateLimitedException()
    {
    }

    public ExchangeRateLimitedException(string message)
        : base(message)
    {
    }

    public ExchangeRateLimitedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ExchangeRateLimitedException(string message, DateTimeOffset retryAt)
        : base(message)
    {
        RetryAt = retryAt;
    }

    public DateTimeOffset RetryAt { get; }
}
