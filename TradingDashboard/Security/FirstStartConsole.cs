namespace TradingDashboard.Security;

/// <summary>
/// Shows the generated first-admin password once, on the console (standard output), never through the logger, so
/// it does not end up in log files. Tests replace it with one that writes to a <see cref="StringWriter"/>.
/// </summary>
public sealed class FirstStartConsole(TextWriter output)
{
    public void AnnounceGeneratedPassword(string userName, string password)
    {
        var line = new string('=', 78);
        output.WriteLine();
        output.WriteLine(line);
        output.WriteLine(" FIRST START: created the admin user. This password is shown ONCE and is not stored in clear:");
        output.WriteLine();
        output.WriteLine($"   user name: {userName}");
        output.WriteLine($"   password:  {password}");
        output.WriteLine();
        output.WriteLine(" Sign in at /login and keep it safe (or set Trading:Auth:AdminPassword before the first start).");
        output.WriteLine(line);
        output.WriteLine();
        output.Flush();
    }
}
