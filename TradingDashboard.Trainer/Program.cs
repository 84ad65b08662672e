using Spectre.Console;
using TradingDashboard.Trainer;

// Offline verbs: indicators, pivots, features (training and backtests come with later issues).
return TrainerApp.Run(args, AnsiConsole.Console);
