using MudBlazor;

namespace TradingDashboard.Ui;

/// <summary>The dashboard's compact dark theme: exchange-style near-black surfaces, green up, red down.</summary>
public static class DashboardTheme
{
    public const string Up = "#0ecb81";
    public const string Down = "#f6465d";

    private static readonly string[] SansFamily = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    /// <summary>A new theme instance (MudTheme is mutable, so none is shared between circuits).</summary>
    public static MudTheme Create() => new()
    {
        PaletteDark = new PaletteDark
        {
            Primary = "#3b82f6",
            Secondary = "#f0b90b",
            Tertiary = "#8b5cf6",
            Info = "#38bdf8",
            Success = Up,
            Warning = "#f0b90b",
            Error = Down,
            Dark = "#0b0e11",
            Black = "#0b0e11",
            Background = "#0b0e11",
            BackgroundGray = "#12161c",
            Surface = "#161a1e",
            AppbarBackground = "#12161c",
            AppbarText = "#eaecef",
            DrawerBackground = "#12161c",
            DrawerText = "#b7bdc6",
            DrawerIcon = "#848e9c",
            TextPrimary = "#eaecef",
            TextSecondary = "#848e9c",
            TextDisabled = "#5e6673",
            ActionDefault = "#b7bdc6",
            LinesDefault = "#2b3139",
            LinesInputs = "#2b3139",
            TableLines = "#1e2329",
            TableStriped = "#14181d",
            Divider = "#2b3139",
            DividerLight = "#1e2329",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SansFamily, FontSize = ".8125rem", LineHeight = "1.4" },
            Body1 = new Body1Typography { FontFamily = SansFamily, FontSize = ".8125rem", LineHeight = "1.4" },
            Body2 = new Body2Typography { FontFamily = SansFamily, FontSize = ".75rem", LineHeight = "1.35" },
            Button = new ButtonTypography { FontFamily = SansFamily, FontSize = ".75rem", FontWeight = "600", TextTransform = "none" },
            H6 = new H6Typography { FontFamily = SansFamily, FontSize = "1rem", FontWeight = "600" },
            Subtitle2 = new Subtitle2Typography { FontFamily = SansFamily, FontSize = ".75rem", FontWeight = "600" },
            Caption = new CaptionTypography { FontFamily = SansFamily, FontSize = ".6875rem" },
        },
        LayoutProperties = new LayoutProperties
        {
            DefaultBorderRadius = "4px",
            AppbarHeight = "48px",
            DrawerWidthLeft = "200px",
        },
    };
}
