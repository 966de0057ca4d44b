use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;

use super::*;
use crate::zoo::{
    resolve::fake,
    sweep::{
        plan::{SweepSpec, parse_grid, plan},
        summary as sweep_summary,
    },
};

fn png(path: &Path) {
    image::RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10]))
        .save(path)
        .unwrap();
}

/// Every `<img src="...">` of the page.
fn img_sources(html: &str) -> Vec<&str> {
    html.split("<img src=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

#[test]
fn report_embeds_valid_pngs_and_escapes_html() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("artifacts");
    let cfg = json!({"hidden": 2});
    fake::run(
        &root,
        "xor",
        "20261122T100000Z-aaaa",
        "ndarray",
        1,
        true,
        cfg.clone(),
        json!({"accuracy": 0.5}),
    );
    fake::run(
        &root,
        "xor",
        "20261122T110000Z-bbbb",
        "wgpu",
        1,
        true,
        cfg,
        json!({"accuracy": 1.0}),
    );
    let odd = fake::run(
        &root,
        "xor",
        "20261122T120000Z-<b>&",
        "flex",
        2,
        true,
        json!({"hidden": 8}),
        json!({"accuracy": 0.75}),
    );
    png(&odd.join("training_curves.png"));
    fake::run(
        &root,
        "xor",
        "20261122T130000Z-cccc",
        "ndarray",
        3,
        false,
        json!({}),
        json!({}),
    );

    let spec = SweepSpec {
        experiment: "xor".into(),
        grid: vec![parse_grid("hidden=2,4").unwrap()],
        first_seed: 1,
        seeds: 1,
        name: None,
        extra: vec![],
    };
    let p = plan(&spec, &root).unwrap();
    for run in &p.runs {
        fake::write(
            &run.dir,
            "xor",
            "s",
            "ndarray",
            1,
            true,
            json!({}),
            json!({"accuracy": 1.0}),
        );
    }
    let file = sweep_summary::summarise(&spec, &p);
    sweep_summary::write(&p.dir, &file).unwrap();
    png(&p.dir.join(sweep_summary::SWEEP_PLOT));

    let out = tmp.path().join("report");
    let (html_path, md_path) = write(&root, &out).unwrap();
    let html = std::fs::read_to_string(html_path).unwrap();

    let sources = img_sources(&html);
    assert_eq!(sources.len(), 2, "{html}");
    for src in sources {
        let data = src
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URI");
        let bytes = STANDARD.decode(data).unwrap();
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    }
    assert!(html.contains("20261122T120000Z-&lt;b&gt;&amp;"), "{html}");
    assert!(!html.contains("<b>"));
    // Leaderboard: best first.
    let board = &html[html.find("Leaderboard").unwrap()..];
    let (a, b) = (board.find("bbbb").unwrap(), board.find("aaaa").unwrap());
    assert!(a < b);
    assert!(html.contains("Same configuration on several backends"));
    assert!(html.contains("Sweep hidden-2+4_seeds1-1"));

    let md = std::fs::read_to_string(md_path).unwrap();
    for line in md.lines().filter(|l| l.starts_with("![")) {
        let rel = &line[line.find("](").unwrap() + 2..line.len() - 1];
        image::open(out.join(rel)).unwrap();
    }
    assert!(md.contains("\\<b\\>"), "{md}");
}

#[test]
fn empty_root_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let blocks = collect(tmp.path());
    assert!(
        blocks
            .iter()
            .any(|b| matches!(b, Block::Text(t) if t.starts_with("No runs")))
    );
}

#[test]
fn escapes_html() {
    assert_eq!(
        html::escape("<a href=\"x\">&'"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    );
    assert_eq!(markdown::escape("a|b_c"), "a\\|b\\_c");
}
