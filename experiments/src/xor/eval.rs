//! Evaluation of a trained net: the truth table and the 100×100 surface.

use super::*;

/// The 4 truth-table inputs as a `[4, 2]` tensor.
pub(super) fn table_inputs<B: Backend>(device: &B::Device) -> Tensor<B, 2> {
    let flat: Vec<f32> = TABLE_INPUTS
        .iter()
        .flatten()
        .map(|&v| f32::from(v))
        .collect();
    Tensor::from_data(TensorData::new(flat, [TABLE_ROWS, 2]), device)
}

/// The gate's 4 targets as a `[4, 1]` tensor.
pub(super) fn table_targets<B: Backend>(gate: LogicGate, device: &B::Device) -> Tensor<B, 2> {
    Tensor::from_data(
        TensorData::new(gate.targets().to_vec(), [TABLE_ROWS, 1]),
        device,
    )
}

/// What a trained net does on the truth table.
#[derive(Debug, Clone, Serialize)]
pub struct TableEval {
    /// Outputs for inputs 00, 01, 10, 11.
    pub outputs: Vec<f32>,
    /// Share of outputs on the right side of 0.5.
    pub accuracy: f64,
    /// The configured loss on the whole table.
    pub final_loss: f64,
}

/// Runs `model` on `gate`'s truth table.
pub fn evaluate<B: ZooBackend>(
    model: &TabularMlp<B>,
    gate: LogicGate,
    device: &B::Device,
) -> TableEval {
    let out = model.forward_classification(table_inputs(device), table_targets(gate, device));
    let outputs: Vec<f32> = out
        .probabilities
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("probabilities are f32");
    let targets = gate.targets();
    let correct = outputs
        .iter()
        .zip(targets)
        .filter(|(o, t)| (**o >= 0.5) == (*t >= 0.5))
        .count();
    TableEval {
        outputs,
        accuracy: correct as f64 / TABLE_ROWS as f64,
        final_loss: out.loss.into_scalar().elem(),
    }
}

/// The truth table as printed: ` x1 | x2 | XNOR` and one row per input.
pub(super) fn truth_table(gate: LogicGate, outputs: &[f32]) -> String {
    let mut s = format!(" x1 | x2 | {}\n", gate.name().to_uppercase());
    for ([a, b], o) in TABLE_INPUTS.iter().zip(outputs) {
        let _ = writeln!(s, "  {a} |  {b} | {o:.3}");
    }
    s
}

/// Evaluates the `GRID × GRID` grid over `[0,1]²`; row-major with x2 as the row.
fn grid_outputs<B: ZooBackend>(model: &TabularMlp<B>, device: &B::Device) -> Vec<f32> {
    let step = 1.0 / (GRID - 1) as f32;
    let flat: Vec<f32> = (0..GRID * GRID)
        .flat_map(|i| [(i % GRID) as f32 * step, (i / GRID) as f32 * step])
        .collect();
    let x = Tensor::<B, 2>::from_data(TensorData::new(flat, [GRID * GRID, 2]), device);
    model
        .predict(x)
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("predictions are f32")
}

/// Writes surface.csv and surface.png; returns their paths.
pub(super) fn write_surface<B: ZooBackend>(
    dir: &ArtifactDir,
    model: &TabularMlp<B>,
    gate: LogicGate,
    eval: &TableEval,
    device: &B::Device,
) -> Result<Vec<PathBuf>> {
    let grid = grid_outputs(model, device);
    let step = 1.0 / (GRID - 1) as f64;
    let csv = dir.join("surface.csv");
    plot::write_csv(
        &csv,
        "x1,x2,output",
        grid.iter().enumerate().map(|(i, v)| {
            vec![
                (i % GRID) as f64 * step,
                (i / GRID) as f64 * step,
                f64::from(*v),
            ]
        }),
    )?;
    let png = dir.join("surface.png");
    let points: Vec<_> = TABLE_INPUTS
        .iter()
        .zip(&eval.outputs)
        .map(|([a, b], o)| ((f64::from(*a), f64::from(*b)), format!("{o:.3}")))
        .collect();
    let title = format!(
        "{} surface (output of the trained net)",
        gate.name().to_uppercase()
    );
    plot::heatmap_png(&png, &title, GRID, &grid, &points)?;
    Ok(vec![csv, png])
}

/// One hidden unit of the first layer: its incoming weights and its bias.
#[derive(Debug, Clone, Serialize)]
pub struct HiddenUnit {
    /// Weights from x1 and x2.
    pub weights: Vec<f32>,
    /// Bias.
    pub bias: f32,
}

/// The first hidden layer's units.
pub fn hidden_units<B: Backend>(model: &TabularMlp<B>) -> Vec<HiddenUnit> {
    let (Some(w), Some(b)) = (model.hidden_weights(0), model.hidden_biases(0)) else {
        return Vec::new();
    };
    let [inputs, units] = w.dims();
    let w: Vec<f32> = w
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 weights");
    let b: Vec<f32> = b.into_data().convert::<f32>().to_vec().expect("f32 biases");
    (0..units)
        .map(|j| HiddenUnit {
            weights: (0..inputs).map(|i| w[i * units + j]).collect(),
            bias: b[j],
        })
        .collect()
}

/// The units at the start and the end, one line each.
pub(super) fn units_table(start: &[HiddenUnit], end: &[HiddenUnit]) -> String {
    let show = |u: &HiddenUnit| {
        let w: Vec<String> = u.weights.iter().map(|v| format!("{v:8.4}")).collect();
        format!("w ({}) b {:8.4}", w.join(", "), u.bias)
    };
    let mut s = String::from("first hidden layer, unit by unit: start -> end\n");
    for (j, (a, b)) in start.iter().zip(end).enumerate() {
        let _ = writeln!(s, "  unit {}: {}  ->  {}", j + 1, show(a), show(b));
    }
    s
}
