using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Trainer.FastTree;

/// <summary>How the FastTree expert is trained (trees per class, leaves, learning rate, class balancing, seed).</summary>
public sealed record FastTreeSettings
{
    public int Seed { get; init; } = 1;

    /// <summary>Boosted trees per one-versus-all binary model (three binary models in all).</summary>
    public int Trees { get; init; } = 100;

    public int Leaves { get; init; } = 20;

    public int MinimumExampleCountPerLeaf { get; init; } = 20;

    public double LearningRate { get; init; } = 0.1;

    /// <summary>
    /// Weight every training row by total / (3 x rows of its class), so the rare pivot classes count as much as "none".
    /// The probabilities then describe a balanced class mix, not the real one (said in the card's notes).
    /// </summary>
    public bool BalanceClasses { get; init; } = true;

    public void Validate()
    {
        if (Trees is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Trees), Trees, "Trees must be from 1 to 10000.");
        }

        if (Leaves is < 2 or > 1_024)
        {
            throw new ArgumentOutOfRangeException(nameof(Leaves), Leaves, "Leaves must be from 2 to 1024.");
        }

        if (MinimumExampleCountPerLeaf is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumExampleCountPerLeaf), MinimumExampleCountPerLeaf, "MinimumExampleCountPerLeaf must be from 1 to 100000.");
        }

        if (!(LearningRate > 0 && LearningRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be in (0, 1].");
        }
    }
}

/// <summary>
/// An ML.NET multiclass FastTree model over frame-summary rows: one-versus-all over FastTree binary models with Platt
/// calibration, whose calibrated scores ML.NET normalizes to sum 1 per row. Labels go in as the 0-based class index
/// (0 none, 1 high, 2 low): ML.NET's enumerable loader reads key-typed members 0-based (it stores them shifted by one,
/// 0 meaning missing), so the Score column (and the exported <see cref="ScoreOutput"/>) is [none, high, low] in
/// <see cref="PivotClass"/> order. The class-order test checks this on data with a known rule.
/// </summary>
public sealed class FastTreeClassifier
{
    public const string FeaturesColumn = "Features";
    public const string LabelColumn = "Label";
    public const string WeightColumn = "Weight";

    /// <summary>The exported graph's [batch, 3] probability output.</summary>
    public const string ScoreOutput = "Score.output";

    /// <summary>The exported graph's [batch, 1] predicted class key (1 none, 2 high, 3 low).</summary>
    public const string PredictedLabelOutput = "PredictedLabel.output";

    private readonly MLContext _context;
    private readonly ITransformer _model;
    private readonly IDataView _trainingData;

    private FastTreeClassifier(MLContext context, ITransformer model, IDataView trainingData, int featureCount)
    {
        _context = context;
        _model = model;
        _trainingData = trainingData;
        FeatureCount = featureCount;
    }

    public int FeatureCount { get; }

    /// <summary>
    /// Trains on <paramref name="count"/> rows of <paramref name="features"/> (row-major, <paramref name="featureCount"/>
    /// values each) with <paramref name="labels"/> 0 none, 1 high, 2 low. Deterministic for a given seed (one thread).
    /// </summary>
    public static FastTreeClassifier Train(float[] features, byte[] labels, int count, int featureCount, FastTreeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (count < 1 || features.Length < (long)count * featureCount || labels.Length < count)
        {
            throw new ArgumentException($"Training needs at least one row; got {count} rows for {features.Length} values and {labels.Length} labels.");
        }

        var classCounts = new long[PivotClassExtensions.Count];
        for (var i = 0; i < count; i++)
        {
            if (labels[i] >= PivotClassExtensions.Count)
            {
                throw new ArgumentException($"Label {labels[i]} at row {i} is not a pivot class (0 none, 1 high, 2 low).", nameof(labels));
            }

            classCounts[labels[i]]++;
        }

        var rows = new Row[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new Row
            {
                Features = features.AsSpan(i * featureCount, featureCount).ToArray(),
                Label = labels[i],
                Weight = settings.BalanceClasses ? (float)(count / (3.0 * classCounts[labels[i]])) : 1f,
            };
        }

        var context = new MLContext(settings.Seed);
        var data = context.Data.LoadFromEnumerable(rows, RowSchema(featureCount));
        var binary = context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = LabelColumn,
            FeatureColumnName = FeaturesColumn,
            ExampleWeightColumnName = WeightColumn,
            NumberOfTrees = settings.Trees,
            NumberOfLeaves = settings.Leaves,
            MinimumExampleCountPerLeaf = settings.MinimumExampleCountPerLeaf,
            LearningRate = settings.LearningRate,
            Seed = settings.Seed,
            NumberOfThreads = 1,
        });
        var trainer = context.MulticlassClassification.Trainers.OneVersusAll(binary, LabelColumn, useProbabilities: true);
        var model = trainer.Fit(data);
        return new FastTreeClassifier(context, model, data, featureCount);
    }

    /// <summary>ML.NET's own probabilities [none, high, low] for <paramref name="count"/> rows (row-major).</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> features, int count)
    {
        if (features.Length != count * FeatureCount)
        {
            throw new ArgumentException($"Expected {count * FeatureCount} values for {count} rows, got {features.Length}.", nameof(features));
        }

        var rows = new Row[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new Row { Features = features.Slice(i * FeatureCount, FeatureCount).ToArray(), Label = 0, Weight = 1 };
        }

        var scored = _model.Transform(_context.Data.LoadFromEnumerable(rows, RowSchema(FeatureCount)));
        var result = new float[count * PivotClassExtensions.Count];
        var i2 = 0;
        using var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name == "Score"));
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            var values = buffer.DenseValues().ToArray();
            if (values.Length != PivotClassExtensions.Count)
            {
                throw new InvalidOperationException($"ML.NET returned {values.Length} scores per row; expected {PivotClassExtensions.Count}.");
            }

            values.CopyTo(result, i2 * PivotClassExtensions.Count);
            i2++;
        }

        return result;
    }

    /// <summary>The model as ONNX (ML.NET's converter). Inputs: Features [batch, n] float, Label [batch, 1] uint32 (feed zeros), Weight when exported.</summary>
    public byte[] ExportOnnx()
    {
        using var stream = new MemoryStream();
        _context.Model.ConvertToOnnx(_model, _trainingData, stream);
        return stream.ToArray();
    }

    private static SchemaDefinition RowSchema(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        schema[LabelColumn].ColumnType = new KeyDataViewType(typeof(uint), PivotClassExtensions.Count);
        return schema;
    }

    /// <summary>One ML.NET row (public with settable properties: ML.NET binds it by reflection).</summary>
    public sealed class Row
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }

        public float Weight { get; set; }
    }
}
