using BenchmarkDotNet.Running;
using TradingDashboard.Benchmarks;

// Not typeof(Program): the referenced trainer's top-level Program is public in .NET 10 and the name would be ambiguous.
BenchmarkSwitcher.FromAssembly(typeof(AggregationBenchmarks).Assembly).Run(args);
