using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

public class ClientOrderIdsTests
{
    [Fact]
    public void Same_intent_gives_same_id_and_different_intents_differ()
    {
        var a1 = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000040000:entry");
        var a2 = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000040000:entry");
        var b = ClientOrderIds.FromIntent("ma-cross:ETHUSDT:1700000100000:entry");
        Assert.Equal(a1, a2);
        Assert.NotEqual(a1, b);
    }

    [Fact]
    public void Ids_fit_binance_and_mexc_limits()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => ClientOrderIds.FromIntent($"intent-{i}")).ToList();
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Equal(32, id.Length);
            Assert.Matches(new Regex("^[\\.A-Z\\:/a-z0-9_-]{1,36}$"), id); // Binance newClientOrderId
            Assert.StartsWith("td", id, StringComparison.Ordinal);
            Assert.True(ClientOrderIds.IsValid(id));
        });
        Assert.False(ClientOrderIds.IsValid("td" + new string('z', 30)));
    }

    [Fact]
    public void Managed_sha256_matches_the_platform_on_every_padding_case_and_random_inputs()
    {
        // FIPS 180-2 example "abc", then every length around the one- and two-block padding limits and random data.
        var abc = new byte[32];
        ManagedSha256.HashData("abc"u8, abc);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(abc));

        var random = new Random(5);
        var lengths = Enumerable.Range(0, 200).Concat([255, 256, 511, 512, 1000, 4097]);
        foreach (var length in lengths)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var managed = new byte[32];
            ManagedSha256.HashData(data, managed);
            Assert.Equal(SHA256.HashData(data), managed);
        }
    }

    [Fact]
    public void Ids_are_those_of_the_platform_sha256_scheme()
    {
        // The scheme before the managed hash, kept here as the reference: "td" + 30 hex digits of SHA-256(UTF-8 intent id).
        static string Reference(string intentId) => "td" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(intentId)))[..30];

        var random = new Random(11);
        var intents = new List<string>
        {
            "rule:ETHUSDT:1700000040000:entry",
            "stop:BTCUSDT:1704067260001:29455",
            "manual:ÉTH/€:😀",
            new string('x', 600), // longer than the stack buffer
        };
        intents.AddRange(Enumerable.Range(0, 2000).Select(i => $"stop:{(i % 2 == 0 ? "ETHUSDT" : "BTCUSDT")}:{1704067200000L + random.Next()}:{i}"));
        Assert.All(intents, intent => Assert.Equal(Reference(intent), ClientOrderIds.FromIntent(intent)));
    }

    [Fact]
    public void Empty_intent_is_refused() => Assert.Throws<ArgumentException>(() => ClientOrderIds.FromIntent(" "));
}
