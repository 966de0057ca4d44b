//! Spread plots: for each labelled group of values (e.g. one sweep grid point over
//! seeds), every value as a dot, the mean as a cross and the min–max range as an
//! error bar.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::{ensure_font, palette, plot_error};

/// One labelled group of values, drawn at its own place on the x axis.
#[derive(Debug, Clone)]
pub struct SpreadGroup {
    /// Axis label of the group.
    pub label: String,
    /// The values (non-finite ones are skipped).
    pub values: Vec<f64>,
}

/// Draws `groups` side by side to a PNG at `path` (at least 640×500, wider with more groups).
pub fn spread_png(path: &Path, title: &str, y_desc: &str, groups: &[SpreadGroup]) -> Result<()> {
    ensure_font()?;
    let finite = |g: &SpreadGroup| -> Vec<f64> {
        g.values.iter().copied().filter(|v| v.is_finite()).collect()
    };
    let all: Vec<f64> = groups.iter().flat_map(finite).collect();
    let (lo, hi) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if all.is_empty() {
        return Err(anyhow!("nothing to plot in '{}'", path.display()));
    }
    let span = if hi - lo > 1e-12 {
        hi - lo
    } else {
        hi.abs().max(1.0)
    };
    let (y0, y1) = (lo - 0.08 * span, hi + 0.08 * span);
    let n = groups.len() as i32;
    let width = (120 * groups.len() as u32 + 160).max(640);
    let root = BitMapBackend::new(path, (width, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n).into_segmented(), y0..y1)
        .map_err(plot_error(path))?;
    let label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => groups
            .get(*i as usize)
            .map_or(String::new(), |g| g.label.clone()),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(groups.len())
        .x_label_formatter(&label)
        .y_desc(y_desc)
        .draw()
        .map_err(plot_error(path))?;
    for (i, group) in groups.iter().enumerate() {
        let values = finite(group);
        if values.is_empty() {
            continue;
        }
        let x = || SegmentValue::CenterOf(i as i32);
        let color = palette(i);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let (min, max) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        let style = color.stroke_width(2);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x(), min), (x(), max)],
                style,
            )))
            .map_err(plot_error(path))?;
        chart
            .draw_series([min, max].map(|y| {
                EmptyElement::at((x(), y)) + PathElement::new(vec![(-8, 0), (8, 0)], style)
            }))
            .map_err(plot_error(path))?;
        chart
            .draw_series(
                values
                    .iter()
                    .map(|v| Circle::new((x(), *v), 4, color.mix(0.5).filled())),
            )
            .map_err(plot_error(path))?;
        chart
            .draw_series(std::iter::once(Cross::new(
                (x(), mean),
                7,
                BLACK.stroke_width(2),
            )))
            .map_err(plot_error(path))?;
    }
    root.draw_text(
        "dots: runs, cross: mean, bar: min to max",
        &("sans-serif", 14).into_font().color(&BLACK),
        (80, 476),
    )
    .map_err(plot_error(path))?;
    root.present().map_err(plot_error(path))?;
    Ok(())
}
