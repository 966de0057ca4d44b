//! Shared helpers of the zoo commands: plain-text tables, number formatting and
//! flattening nested JSON to dotted keys.

use std::collections::BTreeMap;

use serde_json::Value;

/// Renders a table with left-aligned columns two spaces apart and a rule under the
/// header. Rows shorter than the header are padded with empty cells.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i >= widths.len() {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{:<w$}", cells.get(i).copied().unwrap_or("")))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out += &rule.join("  ");
    out.push('\n');
    for row in rows {
        out += &line(row.iter().map(String::as_str).collect());
        out.push('\n');
    }
    out
}

/// A number for people: whole numbers without decimals, others with up to six
/// significant decimals, very large or small ones in scientific notation.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if !(1e-4..1e7).contains(&a) {
        return format!("{v:.4e}");
    }
    let decimals = (5 - a.log10().floor() as i32).clamp(0, 9) as usize;
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Wall time for people: `1.2 s`, `75 s`, `3 min 04 s`, `-` when unknown.
pub fn seconds(v: Option<f64>) -> String {
    match v {
        None => "-".to_string(),
        Some(s) if !s.is_finite() => "-".to_string(),
        Some(s) if s < 100.0 => format!("{s:.1} s"),
        Some(s) if s < 600.0 => format!("{s:.0} s"),
        Some(s) => {
            let whole = s.round() as u64;
            format!("{} min {:02} s", whole / 60, whole % 60)
        }
    }
}

/// `mean ± std` with [`number`]'s formatting.
pub fn mean_std(mean: f64, std: f64) -> String {
    format!("{} ± {}", number(mean), number(round_significant(std, 3)))
}

/// `v` rounded to `digits` significant digits (a spread needs no more).
fn round_significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// Flattens a JSON value to dotted keys (`model.hidden`); arrays are kept whole as
/// compact JSON, strings without quotes, `null` as `null`.
pub fn flatten(value: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk_leaves(value, "", &mut |key, leaf| {
        let text = match leaf {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.insert(key.to_string(), text);
    });
    out
}

/// The numeric scalars of a JSON object at any depth, by dotted key; arrays (such as
/// `history`) and non-numbers are left out.
pub fn scalars(value: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    walk_leaves(value, "", &mut |key, leaf| {
        if let Some(v) = leaf.as_f64() {
            out.insert(key.to_string(), v);
        }
    });
    out
}

/// Calls `visit(dotted key, leaf)` for every non-object value under `value`.
fn walk_leaves(value: &Value, prefix: &str, visit: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                walk_leaves(v, &key, visit);
            }
        }
        leaf => visit(prefix, leaf),
    }
}

/// Mean and sample standard deviation (0 for fewer than two values); `None` when empty.
pub fn mean_and_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = if values.len() < 2 {
        0.0
    } else {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    Some((mean, std))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_nested_objects_to_dotted_keys() {
        let flat = flatten(&json!({"a": 1, "m": {"hidden": [8, 4], "act": "relu"}, "n": null}));
        assert_eq!(flat["a"], "1");
        assert_eq!(flat["m.hidden"], "[8,4]");
        assert_eq!(flat["m.act"], "relu");
        assert_eq!(flat["n"], "null");
    }

    #[test]
    fn scalars_skip_arrays_and_strings() {
        let s =
            scalars(&json!({"acc": 0.5, "history": [{"epoch": 1}], "name": "x", "d": {"r": 2}}));
        assert_eq!(s.len(), 2);
        assert_eq!(s["acc"], 0.5);
        assert_eq!(s["d.r"], 2.0);
    }

    #[test]
    fn numbers_and_tables_read_well() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.98125), "0.98125");
        assert_eq!(number(1.23456789e-7), "1.2346e-7");
        assert_eq!(seconds(Some(1.234)), "1.2 s");
        assert_eq!(seconds(Some(724.0)), "12 min 04 s");
        let t = render(&["a", "bb"], &[vec!["xyz".into(), "1".into()]]);
        assert_eq!(t, "a    bb\n---  --\nxyz  1\n");
        assert_eq!(mean_and_std(&[1.0, 3.0]), Some((2.0, 2f64.sqrt())));
        assert_eq!(mean_and_std(&[]), None);
        assert_eq!(mean_std(0.65, 0.223607), "0.65 ± 0.224");
    }
}
