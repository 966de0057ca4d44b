//! Scatter plots: coloured point groups, straight lines (fits, boundaries, margins)
//! and text annotations, on automatically fitted axes.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::{ensure_font, palette, plot_error};

/// How the points of a group are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled disc.
    Dot,
    /// An unfilled circle, e.g. to ring points of another group (support vectors).
    Ring,
    /// A cross, e.g. for centres or new predictions.
    Cross,
}

/// A named set of points drawn in one colour and marker.
#[derive(Debug, Clone)]
pub struct PointGroup {
    /// Legend label.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// Colour, as an index into the shared palette (wraps around).
    pub color: usize,
    /// Marker shape.
    pub marker: Marker,
    /// Marker radius in pixels.
    pub size: u32,
}

/// A polyline (usually two points: a straight line across the plot).
#[derive(Debug, Clone)]
pub struct LineSpec {
    /// Legend label.
    pub label: String,
    /// The vertices, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Colour, as an index into the shared palette (wraps around).
    pub color: usize,
    /// Draw dashed instead of solid.
    pub dashed: bool,
}

/// A text label at a data point.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// Where the text starts, in data coordinates.
    pub at: (f64, f64),
    /// The text.
    pub text: String,
}

/// A scatter plot: point groups, lines and annotations.
#[derive(Debug, Clone)]
pub struct ScatterPlot {
    /// Plot title.
    pub title: String,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description.
    pub y_desc: String,
    /// Point groups, drawn in order (later groups on top).
    pub groups: Vec<PointGroup>,
    /// Lines, drawn over the points. They do not widen the axes: axes fit the points.
    pub lines: Vec<LineSpec>,
    /// Text labels, drawn last.
    pub annotations: Vec<Annotation>,
}

/// The points' bounding box with a 5% margin, or an error when there are no finite points.
fn axis_ranges(path: &Path, plot: &ScatterPlot) -> Result<((f64, f64), (f64, f64))> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let points = plot.groups.iter().flat_map(|g| g.points.iter());
    let annotated = plot.annotations.iter().map(|a| &a.at);
    for &(x, y) in points.chain(annotated) {
        if x.is_finite() && y.is_finite() {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
    }
    if x0 > x1 {
        return Err(anyhow!("nothing to plot in '{}'", path.display()));
    }
    let pad = |lo: f64, hi: f64| {
        let span = if hi - lo > 1e-12 { hi - lo } else { 1.0 };
        (lo - 0.05 * span, hi + 0.05 * span)
    };
    Ok((pad(x0, x1), pad(y0, y1)))
}

/// Draws `plot` to a PNG at `path` (900×700).
pub fn scatter_png(path: &Path, plot: &ScatterPlot) -> Result<()> {
    ensure_font()?;
    let ((x0, x1), (y0, y1)) = axis_ranges(path, plot)?;
    let root = BitMapBackend::new(path, (900, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error(path))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(&plot.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_error(path))?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_desc(plot.x_desc.as_str())
        .y_desc(plot.y_desc.as_str())
        .draw()
        .map_err(plot_error(path))?;

    for group in &plot.groups {
        let color = palette(group.color);
        let size = group.size.max(1) as i32;
        let points = group.points.iter().copied();
        let series = match group.marker {
            Marker::Dot => {
                chart.draw_series(points.map(|p| Circle::new(p, size, color.mix(0.75).filled())))
            }
            Marker::Ring => {
                chart.draw_series(points.map(|p| Circle::new(p, size, color.stroke_width(2))))
            }
            Marker::Cross => {
                chart.draw_series(points.map(|p| Cross::new(p, size, color.stroke_width(3))))
            }
        }
        .map_err(plot_error(path))?;
        let marker = group.marker;
        series.label(group.label.as_str()).legend(move |(x, y)| {
            let element: DynElement<BitMapBackend, (i32, i32)> = match marker {
                Marker::Dot => Circle::new((x + 10, y), 5, color.filled()).into_dyn(),
                Marker::Ring => Circle::new((x + 10, y), 5, color.stroke_width(2)).into_dyn(),
                Marker::Cross => Cross::new((x + 10, y), 5, color.stroke_width(3)).into_dyn(),
            };
            element
        });
    }

    for line in &plot.lines {
        let color = palette(line.color);
        let style = color.stroke_width(2);
        let series = if line.dashed {
            chart.draw_series(DashedLineSeries::new(
                line.points.iter().copied(),
                8,
                6,
                style,
            ))
        } else {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), style))
        }
        .map_err(plot_error(path))?;
        series
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }

    chart
        .draw_series(plot.annotations.iter().map(|a| {
            EmptyElement::at(a.at) + Text::new(a.text.clone(), (6, -16), ("sans-serif", 13))
        }))
        .map_err(plot_error(path))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error(path))?;
    root.present().map_err(plot_error(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(groups: Vec<PointGroup>) -> ScatterPlot {
        ScatterPlot {
            title: "t".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            groups,
            lines: vec![LineSpec {
                label: "fit".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                color: 2,
                dashed: true,
            }],
            annotations: vec![Annotation {
                at: (0.5, 0.5),
                text: "-0.289".into(),
            }],
        }
    }

    #[test]
    fn writes_a_png_with_every_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.png");
        let groups = [Marker::Dot, Marker::Ring, Marker::Cross]
            .into_iter()
            .enumerate()
            .map(|(i, marker)| PointGroup {
                label: format!("g{i}"),
                points: vec![(i as f64, 1.0), (0.3, i as f64 * 2.0)],
                color: i,
                marker,
                size: 4,
            })
            .collect();
        scatter_png(&path, &plot(groups)).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }

    #[test]
    fn no_points_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("empty.png");
        let mut p = plot(vec![]);
        p.annotations.clear();
        let err = scatter_png(&path, &p).unwrap_err().to_string();
        assert!(err.contains("empty.png"), "{err}");
    }
}
