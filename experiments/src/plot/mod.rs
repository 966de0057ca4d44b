//! PNG plots shared by the experiments (plotters, bitmap backend).
//!
//! Text is drawn with a TrueType font found on the system (DejaVu Sans or Liberation
//! Sans; Debian: `apt-get install fonts-dejavu-core`). Set `ZOO_FONT` to a `.ttf` path
//! to use another one.

use std::{path::Path, sync::OnceLock};

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;

mod scatter;
mod spread;

pub use scatter::{Annotation, LineSpec, Marker, PointGroup, ScatterPlot, scatter_png};
pub use spread::{SpreadGroup, spread_png};

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

/// The shared categorical palette (matplotlib's "tab10"); `i` wraps around.
pub fn palette(i: usize) -> RGBColor {
    const TAB10: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    TAB10[i % TAB10.len()]
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

/// One panel of a line chart: named `(x, y)` series.
#[derive(Debug, Clone)]
pub struct Panel<'a> {
    /// Panel title.
    pub title: String,
    /// X axis description.
    pub x_desc: &'a str,
    /// Y axis description.
    pub y_desc: String,
    /// Named series of points.
    pub series: Vec<(&'a str, Vec<(f64, f64)>)>,
    /// Draw y on a log scale (non-positive values are skipped).
    pub log_y: bool,
}

/// Line charts side by side, one per panel, in one PNG.
pub fn line_charts_png(path: &Path, panels: &[Panel]) -> Result<()> {
    line_charts_grid_png(path, panels, panels.len())
}

/// Line charts in a grid of `columns` panels per row (800×500 pixels each), in one PNG.
pub fn line_charts_grid_png(path: &Path, panels: &[Panel], columns: usize) -> Result<()> {
    ensure_font()?;
    let columns = columns.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(columns).max(1);
    let size = (800 * columns as u32, 500 * rows as u32);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let areas = root.split_evenly((rows, columns));
    for (panel, area) in panels.iter().zip(&areas) {
        draw_panel(path, area, panel)?;
    }
    root.present().map_err(plot_error(path))?;
    Ok(())
}

/// A short axis label: `0.25`, `1200`, `1e-5`, `3.2e-7` (plotters' default prints a
/// log axis' ticks as `0.09999999999999998`, wider than the label area).
fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}").replace(".0e", "e");
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn draw_panel(
    path: &Path,
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    panel: &Panel,
) -> Result<()> {
    let log_y = panel.log_y;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in panel.series.iter().flat_map(|(_, s)| s.iter()) {
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
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(panel.x_desc)
                .y_desc(panel.y_desc.as_str())
                .y_label_formatter(&|v| tick_label(*v))
                .draw()
                .map_err(plot_error(path))?;
            for (i, (name, data)) in panel.series.iter().enumerate() {
                let color = palette(i);
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
    Ok(())
}

/// A confusion matrix (`rows` = true class, columns = predicted) as a heatmap with
/// counts: the diagonal in blue by the share of its row, the errors in red by their
/// count against the largest error (square root, so that small ones still show), so
/// the confusions that matter (4 → 9) stand out although each is ~1% of a row.
pub fn confusion_matrix_png(
    path: &Path,
    title: &str,
    names: &[&str],
    counts: &[Vec<u64>],
) -> Result<()> {
    ensure_font()?;
    let n = names.len();
    let (cell, left, top) = (56i32, 120i32, 60i32);
    let size = (left + cell * n as i32 + 20, top + cell * n as i32 + 70);
    let root = BitMapBackend::new(path, (size.0 as u32, size.1 as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let font = |px| ("sans-serif", px).into_font();
    root.draw_text(title, &font(22).color(&BLACK), (left, 15))
        .map_err(plot_error(path))?;
    let largest_error = counts
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().filter(move |(c, _)| *c != r))
        .map(|(_, &count)| count)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    for (r, row) in counts.iter().enumerate() {
        let total = row.iter().sum::<u64>().max(1) as f64;
        for (c, &count) in row.iter().enumerate() {
            let share = if r == c {
                count as f64 / total
            } else {
                0.85 * (count as f64 / largest_error).sqrt()
            };
            let shade = (255.0 * (1.0 - share)).round() as u8;
            let color = if r == c {
                RGBColor(shade, shade, 255)
            } else {
                RGBColor(255, shade, shade)
            };
            let (x, y) = (left + c as i32 * cell, top + r as i32 * cell);
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                color.filled(),
            ))
            .map_err(plot_error(path))?;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(200, 200, 200),
            ))
            .map_err(plot_error(path))?;
            let text_color = if share > 0.6 { WHITE } else { BLACK };
            root.draw_text(
                &count.to_string(),
                &font(14).color(&text_color),
                (x + 6, y + cell / 2 - 7),
            )
            .map_err(plot_error(path))?;
        }
    }
    for (i, name) in names.iter().enumerate() {
        let short: String = name.chars().take(11).collect();
        root.draw_text(
            &short,
            &font(13).color(&BLACK),
            (8, top + i as i32 * cell + cell / 2 - 6),
        )
        .map_err(plot_error(path))?;
        let short: String = name.chars().take(7).collect();
        root.draw_text(
            &short,
            &font(12).color(&BLACK),
            (left + i as i32 * cell + 4, top + n as i32 * cell + 8),
        )
        .map_err(plot_error(path))?;
    }
    let bottom = top + n as i32 * cell + 36;
    root.draw_text(
        "rows: true class, columns: predicted class",
        &font(15).color(&BLACK),
        (left, bottom),
    )
    .map_err(plot_error(path))?;
    root.present().map_err(plot_error(path))?;
    Ok(())
}

/// Grayscale images (`side × side` bytes each, 0 = black) in a grid, each with a caption.
pub fn image_grid_png(
    path: &Path,
    title: &str,
    side: usize,
    images: &[(&[u8], String)],
) -> Result<()> {
    let captions: Vec<&str> = images.iter().map(|(_, c)| c.as_str()).collect();
    tile_grid_png(path, title, side, 6, &captions, |tile, pixel| {
        let g = 255 - images[tile].0[pixel];
        RGBColor(g, g, g)
    })
}

/// Signed maps (`side × side` values each, row-major) in a grid of blue-white-red
/// heatmaps on one shared symmetric scale (white = 0), each with a caption; e.g. a
/// linear model's weights per class.
pub fn heatmap_grid_png(
    path: &Path,
    title: &str,
    side: usize,
    maps: &[(&[f32], String)],
) -> Result<()> {
    let scale = maps
        .iter()
        .flat_map(|(m, _)| m.iter())
        .fold(0f32, |acc, v| acc.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    let captions: Vec<&str> = maps.iter().map(|(_, c)| c.as_str()).collect();
    let title = format!("{title} (red > 0 > blue, |max| {scale:.3})");
    tile_grid_png(path, &title, side, 5, &captions, |tile, pixel| {
        diverging(0.5 + 0.5 * f64::from(maps[tile].0[pixel] / scale))
    })
}

/// Tiles of `side × side` pixels in rows of `cols`, coloured by `color_at(tile, pixel)`,
/// each with a caption under it.
fn tile_grid_png(
    path: &Path,
    title: &str,
    side: usize,
    cols: usize,
    captions: &[&str],
    color_at: impl Fn(usize, usize) -> RGBColor,
) -> Result<()> {
    ensure_font()?;
    let rows = captions.len().div_ceil(cols).max(1);
    let scale = (112 / side.max(1)).clamp(4, 24) as i32;
    let caption = 22i32;
    let font = |px| ("sans-serif", px).into_font();
    // Each tile is as wide as its image or the widest caption, so that captions never
    // run into their neighbours (Fashion-MNIST's class names are long).
    let widest_caption = captions
        .iter()
        .map(|c| font(14).box_size(c).map_or(0, |(w, _)| w as i32))
        .max()
        .unwrap_or(0);
    let tile = (
        (side as i32 * scale).max(widest_caption) + 16,
        side as i32 * scale + caption + 10,
    );
    // ... and the image as wide as its title, so the title is never cut off.
    let title_width = font(18).box_size(title).map_or(0, |(w, _)| w as i32) + 20;
    let size = (
        (tile.0 * cols as i32).max(660).max(title_width) as u32,
        (tile.1 * rows as i32 + 40) as u32,
    );
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    root.draw_text(title, &font(18).color(&BLACK), (10, 10))
        .map_err(plot_error(path))?;
    for (i, label) in captions.iter().enumerate() {
        let (x0, y0) = (
            (i % cols) as i32 * tile.0 + 8,
            (i / cols) as i32 * tile.1 + 40,
        );
        for p in 0..side * side {
            let (px, py) = (
                x0 + (p % side) as i32 * scale,
                y0 + (p / side) as i32 * scale,
            );
            root.draw(&Rectangle::new(
                [(px, py), (px + scale, py + scale)],
                color_at(i, p).filled(),
            ))
            .map_err(plot_error(path))?;
        }
        root.draw_text(
            label,
            &font(14).color(&BLACK),
            (x0, y0 + side as i32 * scale + 4),
        )
        .map_err(plot_error(path))?;
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

#[cfg(test)]
mod tick_tests {
    use super::tick_label;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.09999999999999998), "0.1");
        assert_eq!(tick_label(1e-11), "1e-11");
        assert_eq!(tick_label(3.2e-7), "3.2e-7");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(1200.0), "1200");
        assert_eq!(tick_label(0.0), "0");
    }
}
