namespace TradingDashboard.Api;

/// <summary>Body of every API error: {"error": "..."}.</summary>
public sealed record ApiError(string Error);
