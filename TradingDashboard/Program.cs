using TradingDashboard.Api;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Hosting;
using TradingDashboard.Security;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Gate;
using TradingDashboard.Trainer.Rl;
using TradingDashboard.Ui;

var builder = WebApplication.CreateBuilder(args);
builder.AddRepositoryConfiguration();

builder.Services.AddTradingOptions();
builder.Services.AddTradingInfrastructure();
builder.Services.AddDashboardComponents();
builder.Services.AddTradingSecurity();
builder.Services.AddTradingApi();
builder.Services.AddMarketData();
builder.Services.AddExchangeMarketData();
builder.Services.AddReplayMarketData();
builder.Services.AddDataProcessor();
builder.Services.AddPivotModels();
builder.Services.AddContinualLearning();
builder.Services.AddCnnTrainer();
builder.Services.AddGateTrainer();
builder.Services.AddPolicyTrainer();
builder.Services.AddTradingCore(builder.Configuration);
builder.Services.AddExchangeVenues();
builder.Services.AddBacktestJobs();
builder.Services.AddRuleStrategy(builder.Configuration);
builder.Services.AddOrchestrator();
builder.Services.AddRlExpert();
builder.Services.AddOrchestratorLearning();

var app = builder.Build();

app.UseDashboardAssets();
app.UseTradingSecurity();
app.MapHealthEndpoint();
app.MapMetricsEndpoint();
app.MapAccountEndpoints();
app.MapTradingApi();
app.MapDashboard();

await app.RunTradingHostAsync();

/// <summary>Entry point; partial so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
