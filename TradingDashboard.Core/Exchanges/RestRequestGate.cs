using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Sends a venue's public REST GETs and keeps the client inside the venue's rate limits: it reads the used request
/// weight header (Binance: X-MBX-USED-WEIGHT-1M, limit 6000 per minute) and pauses until the next minute when close to
/// the limit; on 429 or 418 it blocks every request until Retry-After has passed, then retries; transient errors (5xx,
/// network, timeout) are retried with a doubling delay. One gate per venue, shared by all its calls; thread-safe.
/// </summary>
public sealed class RestRequestGate
{
    /// <summary>Ban length assumed for a 418 without Retry-After (Binance bans last 2 minutes to 3 days).</summary>
    private static readonly TimeSpan DefaultBanWait = TimeSpan.FromMinutes(2);

    private readonly string _venue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExchangeClientSettings _settings;
    private readonly string? _usedWeightHeader;
    private readonly int _weightLimitPerMinute;
    private readonly Lock _lock = new();
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private string _blockReason = string.Empty;
    private int _lastUsedWeight;

    /// <param name="venue">Venue name for logs and errors.</param>
    /// <param name="usedWeightHeader">Response header carrying the weight used in the current minute, or null when the venue sends none.</param>
    /// <param name="weightLimitPerMinute">The venue's request weight limit per minute (used with <paramref name="usedWeightHeader"/>).</param>
    public RestRequestGate(
        string venue,
        TimeProvider timeProvider,
        ILogger logger,
        ExchangeClientSettings? settings = null,
        string? usedWeightHeader = null,
        int weightLimitPerMinute = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(venue);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _venue = venue;
        _time = timeProvider;
        _logger = logger;
        _settings = settings ?? ExchangeClientSettings.Default;
        _usedWeightHeader = usedWeightHeader;
        _weightLimitPerMinute = weightLimitPerMinute;
    }

    /// <summary>Requests wait until this time (a Retry-After or a weight pause); MinValue when not blocked.</summary>
    public DateTimeOffset BlockedUntil
    {
        get
        {
            lock (_lock)
            {
                return _blockedUntil;
            }
        }
    }

    /// <summary>The used weight reported by the last response (0 when the venue sends none).</summary>
    public int LastUsedWeight => Volatile.Read(ref _lastUsedWeight);

    /// <summary>
    /// GETs <paramref name="relativeUri"/> and returns the body of a 2xx answer. Throws <see cref="ExchangeRateLimitedException"/>
    /// when the venue's block outlasts <see cref="ExchangeClientSettings.MaxRetryAfterWait"/> or the attempts run out while
    /// rate limited, and <see cref="ExchangeApiException"/> for other failures.
    /// </summary>
    public async Task<byte[]> GetAsync(HttpClient http, string relativeUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        Exception? lastError = null;
        for (var attempt = 1; attempt <= _settings.RestMaxAttempts; attempt++)
        {
            await WaitWhileBlockedAsync(cancellationToken).ConfigureAwait(false);

            HttpResponseMessage response;
            try
            {
                using var timeout = new CancellationTokenSource(_settings.RestRequestTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                response = await http.GetAsync(new Uri(relativeUri, UriKind.RelativeOrAbsolute), HttpCompletionOption.ResponseContentRead, linked.Token)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
                _logger.LogWarning("{Venue} GET {Path} failed (attempt {Attempt} of {MaxAttempts}): {Error}", _venue, PathOf(relativeUri), attempt, _settings.RestMaxAttempts, ex.Message);
                await DelayBeforeRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                ObserveUsedWeight(response);
                var status = (int)response.StatusCode;
                if (status is 429 or 418)
                {
                    var wait = RetryAfterOf(response) ?? (status == 418 ? DefaultBanWait : _settings.RestRetryDelay * Math.Pow(2, attempt - 1));
                    var until = _time.GetUtcNow() + wait;
                    Block(until, status == 418 ? "418 IP ban" : "429 rate limit");
                    lastError = new ExchangeRateLimitedException($"{_venue} answered {status} to GET {PathOf(relativeUri)}; retry after {until:O}.", until);
                    _logger.LogWarning("{Venue} answered {Status} to GET {Path}; waiting {WaitSeconds} s (Retry-After) before any further request", _venue, status, PathOf(relativeUri), wait.TotalSeconds);
                    continue;
                }

                if (status >= 500)
                {
                    lastError = new ExchangeApiException($"{_venue} answered {status} to GET {PathOf(relativeUri)}.", response.StatusCode);
                    _logger.LogWarning("{Venue} answered {Status} to GET {Path} (attempt {Attempt} of {MaxAttempts})", _venue, status, PathOf(relativeUri), attempt, _settings.RestMaxAttempts);
                    await DelayBeforeRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ExchangeApiException(
                        $"{_venue} answered {status} to GET {PathOf(relativeUri)}: {Snippet(body)}",
                        response.StatusCode);
                }

                return body;
            }
        }

        if (lastError is ExchangeRateLimitedException limited)
        {
            throw limited;
        }

        throw new ExchangeApiException($"{_venue} GET {PathOf(relativeUri)} failed after {_settings.RestMaxAttempts} attempts.", null, lastError);
    }

    /// <summary>
    /// Sends one request built by <paramref name="createRequest"/> (called again for every attempt, so a signed request
    /// gets a fresh timestamp and signature) inside the same rate-limit state as <see cref="GetAsync"/>: waits while a
    /// Retry-After or weight pause is running, records 429/418 bans and the used weight. Returns the status and body of
    /// every answer except 429, 418 and 5xx. With <paramref name="retryTransient"/> (idempotent reads) those and network
    /// errors are retried like <see cref="GetAsync"/>; without it (order placement, where the caller decides) a 429/418
    /// throws <see cref="ExchangeRateLimitedException"/>, a 5xx <see cref="ExchangeApiException"/>, a network error or
    /// timeout its own exception, at once.
    /// </summary>
    public async Task<RestAnswer> SendAsync(HttpClient http, Func<HttpRequestMessage> createRequest, bool retryTransient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(createRequest);
        Exception? lastError = null;
        var attempts = retryTransient ? _settings.RestMaxAttempts : 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            await WaitWhileBlockedAsync(cancellationToken).ConfigureAwait(false);
            using var request = createRequest();
            var path = request.RequestUri?.IsAbsoluteUri == true ? request.RequestUri.AbsolutePath : PathOf(request.RequestUri?.OriginalString ?? string.Empty);
            HttpResponseMessage response;
            try
            {
                using var timeout = new CancellationTokenSource(_settings.RestRequestTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("{Venue} {Method} {Path} failed (attempt {Attempt} of {MaxAttempts}): {Error}", _venue, request.Method, path, attempt, attempts, ex.Message);
                if (!retryTransient)
                {
                    throw;
                }

                lastError = ex;
                await DelayBeforeRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                ObserveUsedWeight(response);
                var status = (int)response.StatusCode;
                if (status is 429 or 418)
                {
                    var wait = RetryAfterOf(response) ?? (status == 418 ? DefaultBanWait : _settings.RestRetryDelay * Math.Pow(2, attempt - 1));
                    var until = _time.GetUtcNow() + wait;
                    Block(until, status == 418 ? "418 IP ban" : "429 rate limit");
                    _logger.LogWarning("{Venue} answered {Status} to {Method} {Path}; waiting {WaitSeconds} s (Retry-After) before any further request", _venue, status, request.Method, path, wait.TotalSeconds);
                    lastError = new ExchangeRateLimitedException($"{_venue} answered {status} to {request.Method} {path}; retry after {until:O}.", until);
                    if (!retryTransient)
                    {
                        throw lastError;
                    }

                    continue;
                }

                if (status >= 500)
                {
                    _logger.LogWarning("{Venue} answered {Status} to {Method} {Path} (attempt {Attempt} of {MaxAttempts})", _venue, status, request.Method, path, attempt, attempts);
                    lastError = new ExchangeApiException($"{_venue} answered {status} to {request.Method} {path}.", response.StatusCode);
                    if (!retryTransient)
                    {
                        throw lastError;
                    }

                    await DelayBeforeRetryAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                return new RestAnswer(response.StatusCode, body);
            }
        }

        if (lastError is ExchangeRateLimitedException limited)
        {
            throw limited;
        }

        throw new ExchangeApiException($"{_venue} request failed after {attempts} attempts.", null, lastError);
    }

    private async Task WaitWhileBlockedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            DateTimeOffset until;
            string reason;
            lock (_lock)
            {
                until = _blockedUntil;
                reason = _blockReason;
            }

            var wait = until - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            if (wait > _settings.MaxRetryAfterWait)
            {
                throw new ExchangeRateLimitedException(
                    $"{_venue} REST is blocked until {until:O} ({reason}); not sending requests before then.", until);
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Block(DateTimeOffset until, string reason)
    {
        lock (_lock)
        {
            if (until > _blockedUntil)
            {
                _blockedUntil = until;
                _blockReason = reason;
            }
        }
    }

    private void ObserveUsedWeight(HttpResponseMessage response)
    {
        if (_usedWeightHeader is null || _weightLimitPerMinute <= 0
            || !response.Headers.TryGetValues(_usedWeightHeader, out var values))
        {
            return;
        }

        var text = values.FirstOrDefault();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var used))
        {
            return;
        }

        Volatile.Write(ref _lastUsedWeight, used);
        if (used >= _weightLimitPerMinute * _settings.WeightSlowDownFraction)
        {
            // The weight counter resets at the start of each minute (UTC): pause until then.
            var now = _time.GetUtcNow();
            var nextMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
            Block(nextMinute, $"used weight {used} of {_weightLimitPerMinute}");
            _logger.LogInformation("{Venue} used request weight {Used} of {Limit} per minute; pausing REST until {Until}", _venue, used, _weightLimitPerMinute, nextMinute);
        }
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private Task DelayBeforeRetryAsync(int attempt, CancellationToken cancellationToken) =>
        attempt >= _settings.RestMaxAttempts
            ? Task.CompletedTask
            : Task.Delay(_settings.RestRetryDelay * Math.Pow(2, attempt - 1), _time, cancellationToken);

    private static string PathOf(string relativeUri)
    {
        var q = relativeUri.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? relativeUri : relativeUri[..q];
    }

    private static string Snippet(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return text.ReplaceLineEndings(" ");
    }
}

/// <summary>A venue's answer that is neither a rate limit nor a server error: status and raw body.</summary>
public sealed record RestAnswer(HttpStatusCode Status, byte[] Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;
}
