//! PNG plots shared by the experiments (plotters, bitmap backend).
//!
//! Text is drawn with a TrueType font found on the system (DejaVu Sans or Liberation
//! Sans; Debian: `apt-get install fonts-dejavu-core`). Set `ZOO_FONT` to a `.ttf` path
//! to use another one.

use std::{path::Path, sync::OnceLock};

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;

const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Registers a system font as plotters' "sans-serif" once; the error says where it looked.
fn ensure_font() -> Result<()> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let env = std::env::var("ZOO_FONT").ok();
        let candidates = env.iter().map(String::as_str).chain(FONT_CANDIDATES.iter().copied());
        for path in candidates {
            if let Ok(bytes) = std::fs::read(path) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(format!(
            "no TrueType font found for plot text (looked at $ZOO_FONT and {}); install one, e.g. `apt-get install fonts-dejavu-core`",
            FONT_CANDIDATES.join(", ")
        ))
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

fn plot_error<E: std::fmt::Debug>(path: &Path) -> impl FnOnce(E) -> anyhow::Error + '_ {
    move |e| anyhow!("cannot draw '{}': {e:?}", path.display())
}

/// Blue (0) → white (0.5) → red (1).
fn diverging(v: f64) -> RGBColor {
    let v = v.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64, t: f64| (a + (b - a) * t).round() as u8;
    if v < 0.5 {
        let t = v / 0.5;
        RGBColor(
            lerp(33.0, 247.0, t),
            lerp(102.0, 247.0, t),
            lerp(172.0, 247.0, t),
        )
    } else {
        let t = (v - 0.5) / 0.5;
        RGBColor(
            lerp(247.0, 178.0, t),
            lerp(247.0, 24.0, t),
            lerp(247.0, 43.0, t),
        )
    }
}

/// A heatmap of `values` (row-major, `n × n`, row = y) over `[0,1]²`, with labelled points.
pub fn heatmap_png(
    path: &Path,
    title: &str,
    n: usize,
    values: &[f32],
    points: &[((f64, f64), String)],
) -> Result<()> {
    ensure_font()?;
    let err = plot_error(path);
    let root = BitMapBackend::new(path, (640, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)
        .map_err(plot_error(path))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x1")
        .y_desc("x2")
        .draw()
        .map_err(plot_error(path))?;
    let step = 1.0 / n as f64;
    chart
        .draw_series((0..n * n).map(|i| {
            let (row, col) = (i / n, i % n);
            let (x, y) = (col as f64 * step, row as f64 * step);
            Rectangle::new(
                [(x, y), (x + step, y + step)],
                diverging(f64::from(values[i])).filled(),
            )
        }))
        .map_err(plot_error(path))?;
    chart
        .draw_series(points.iter().map(|((x, y), label)| {
            let anchor_x = if *x > 0.5 { -70 } else { 8 };
            let anchor_y = if *y > 0.5 { 8 } else { -24 };
            EmptyElement::at((*x, *y))
                + Circle::new((0, 0), 6, BLACK.filled())
                + Text::new(label.clone(), (anchor_x, anchor_y), ("sans-serif", 18))
        }))
        .map_err(plot_error(path))?;
    root.present().map_err(err)?;
    Ok(())
}

/// A line chart of named `(x, y)` series; `log_y` draws y on a log scale.
pub fn line_chart_png(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(&str, Vec<(f64, f64)>)],
    log_y: bool,
) -> Result<()> {
    ensure_font()?;
    let points = series.iter().flat_map(|(_, s)| s.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        if y.is_finite() && (!log_y || y > 0.0) {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        return Err(anyhow!("nothing to plot in '{}'", path.display()));
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    if y1 - y0 < 1e-12 {
        y1 = y0 * 1.1 + 1e-12;
    }
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    let colors = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
    ];
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .draw()
                .map_err(plot_error(path))?;
            for (i, (name, data)) in series.iter().enumerate() {
                let color = colors[i % colors.len()];
                let data = data
                    .iter()
                    .copied()
                    .filter(|(_, y)| y.is_finite() && (!log_y || *y > 0.0));
                chart
                    .draw_series(LineSeries::new(data, color.stroke_width(2)))
                    .map_err(plot_error(path))?
                    .label(*name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(plot_error(path))?;
        }};
    }
    if log_y {
        finish!(
            builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(plot_error(path))?
        );
    } else {
        finish!(
            builder
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(plot_error(path))?
        );
    }
    root.present().map_err(plot_error(path))?;
    Ok(())
}

/// Writes rows of numbers as CSV with `header`.
pub fn write_csv(path: &Path, header: &str, rows: impl Iterator<Item = Vec<f64>>) -> Result<()> {
    let mut text = String::from(header);
    text.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        text += &cells.join(",");
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("cannot write '{}'", path.display()))
}
