//! What a sweep runs: the grid, its points times seeds, each run's directory and
//! command line, and whether it is already done. The same sweep command always
//! maps to the same directories, which is what makes a sweep resumable.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::run::record::{RunRecord, Status};

/// One grid axis: a flag of the experiment and the values to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridAxis {
    /// The flag without dashes, as given (`hidden`, `learning_rate`).
    pub key: String,
    /// The values, in the order given.
    pub values: Vec<String>,
}

/// Parses `KEY=V1,V2` (or `KEY=V1;V2` when the values hold commas) (clap value parser).
pub fn parse_grid(s: &str) -> Result<GridAxis, String> {
    let Some((key, values)) = s.split_once('=') else {
        return Err(format!("expected KEY=V1,V2..., got '{s}'"));
    };
    let key = key.trim().trim_start_matches("--").to_string();
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !key_ok {
        return Err(format!(
            "grid key '{key}' must be a flag name (letters, digits, '_' or '-')"
        ));
    }
    let sep = if values.contains(';') { ';' } else { ',' };
    let values: Vec<String> = values.split(sep).map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(format!("grid '{s}' has an empty value"));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(format!("grid '{s}' repeats the value '{v}'"));
        }
    }
    Ok(GridAxis { key, values })
}

/// A sweep: an experiment, its grid, the seeds and the extra flags every run gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The experiment binary (`xor`).
    pub experiment: String,
    /// The grid axes; the points are their cartesian product.
    pub grid: Vec<GridAxis>,
    /// The first seed.
    pub first_seed: u64,
    /// How many seeds per point (`first_seed`, `first_seed + 1`, ...).
    pub seeds: u64,
    /// A readable name, part of the sweep's directory name.
    pub name: Option<String>,
    /// Extra flags passed to every run as given.
    pub extra: Vec<String>,
}

/// One grid point: `(key, value)` per axis.
pub type Point = Vec<(String, String)>;

impl SweepSpec {
    /// Rejects what cannot be run: odd experiment or sweep names, repeated grid keys,
    /// no seeds, seeds that overflow.
    pub fn validate(&self) -> Result<()> {
        let simple = |s: &str| {
            !s.is_empty()
                && !s.starts_with('.')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        };
        crate::registry::find(&self.experiment)?;
        if let Some(name) = &self.name
            && !simple(name)
        {
            bail!("sweep name '{name}' may hold only letters, digits, '_', '-' and '.'");
        }
        for (i, axis) in self.grid.iter().enumerate() {
            let norm = |k: &str| k.replace('-', "_");
            if self.grid[..i]
                .iter()
                .any(|a| norm(&a.key) == norm(&axis.key))
            {
                bail!("grid key '{}' is given twice", axis.key);
            }
        }
        if self.seeds == 0 {
            bail!("--seeds must be at least 1");
        }
        if self.first_seed.checked_add(self.seeds - 1).is_none() {
            bail!("seeds {} + {} overflow", self.first_seed, self.seeds);
        }
        Ok(())
    }

    /// The seeds, in order.
    pub fn seed_list(&self) -> Vec<u64> {
        (0..self.seeds).map(|i| self.first_seed + i).collect()
    }

    /// Every grid point, the first axis varying slowest (one empty point without a grid).
    pub fn points(&self) -> Vec<Point> {
        let mut points: Vec<Point> = vec![Vec::new()];
        for axis in &self.grid {
            points = points
                .into_iter()
                .flat_map(|p| {
                    axis.values.iter().map(move |v| {
                        let mut p = p.clone();
                        p.push((axis.key.clone(), v.clone()));
                        p
                    })
                })
                .collect();
        }
        points
    }

    /// The sweep's directory name, readable from its name, grid and seeds
    /// (`wide_hidden-2+4_seeds1-5`), with a short stable hash of the extra flags when
    /// there are any, and of the whole sweep when the readable part had to be
    /// shortened or cleaned of odd characters.
    pub fn slug(&self) -> String {
        let mut parts: Vec<String> = self.name.iter().cloned().collect();
        for axis in &self.grid {
            parts.push(format!("{}-{}", axis.key, axis.values.join("+")));
        }
        let last = self.first_seed + self.seeds.saturating_sub(1);
        parts.push(format!("seeds{}-{last}", self.first_seed));
        if !self.extra.is_empty() {
            parts.push(format!("x{:08x}", short_hash(&self.extra.join("\u{1f}"))));
        }
        let readable = parts.join("_");
        let clean = safe(&readable);
        if clean != readable || clean.len() > 100 {
            let whole = format!("{readable}\u{1f}{}", self.extra.join("\u{1f}"));
            let cut: String = clean.chars().take(80).collect();
            format!("{cut}_h{:08x}", short_hash(&whole))
        } else {
            clean
        }
    }
}

/// A point as a directory name part: `hidden-2_lr-0.1` (`default` without a grid).
pub fn point_slug(point: &Point) -> String {
    if point.is_empty() {
        return "default".to_string();
    }
    let readable: Vec<String> = point.iter().map(|(k, v)| format!("{k}-{v}")).collect();
    let readable = readable.join("_");
    let clean = safe(&readable);
    if clean == readable && clean.len() <= 80 {
        clean
    } else {
        let cut: String = clean.chars().take(60).collect();
        format!("{cut}_h{:08x}", short_hash(&readable))
    }
}

/// A point for people: `hidden=2 lr=0.1` (`defaults` without a grid).
pub fn point_label(point: &Point) -> String {
    if point.is_empty() {
        return "defaults".to_string();
    }
    let parts: Vec<String> = point.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

/// Characters other than letters, digits, `.`, `-`, `+` and `_` become `_`.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// 32 bits of FNV-1a (stable across Rust releases, unlike std's hasher).
pub fn short_hash(s: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

/// What to do with one planned run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Finished before: leave it.
    Skip,
    /// Run it; `clean`: a failed, stopped or interrupted attempt is there to delete first.
    Run {
        /// Whether the directory exists and must be deleted first.
        clean: bool,
    },
    /// A stopped or interrupted learner run with a checkpoint: continue it (`--resume`).
    Resume,
    /// Its record says it is running in a live process: leave it alone.
    Busy {
        /// The process.
        pid: u32,
    },
}

/// One run of a sweep.
#[derive(Debug, Clone)]
pub struct PlannedRun {
    /// The grid point.
    pub point: Point,
    /// The seed.
    pub seed: u64,
    /// Its run directory, `<sweep dir>/<point>-seed<s>`.
    pub dir: PathBuf,
    /// Where its output goes, `<run dir>.log`.
    pub log: PathBuf,
    /// The arguments the experiment binary gets.
    pub args: Vec<String>,
    /// What to do.
    pub action: Action,
}

/// A sweep's directory and runs.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// `<root>/<experiment>/sweeps/<slug>`.
    pub dir: PathBuf,
    /// Every point times every seed, points in order, seeds within a point.
    pub runs: Vec<PlannedRun>,
}

/// Plans `spec` under `root`, looking at what is already on disk.
pub fn plan(spec: &SweepSpec, root: &Path) -> Result<SweepPlan> {
    spec.validate()?;
    let dir = root.join(&spec.experiment).join("sweeps").join(spec.slug());
    let learner = crate::registry::find(&spec.experiment)?.learner;
    let mut runs = Vec::new();
    for point in spec.points() {
        for seed in spec.seed_list() {
            let name = format!("{}-seed{seed}", point_slug(&point));
            let run_dir = dir.join(&name);
            let mut args = Vec::new();
            for (key, value) in &point {
                args.push(format!("--{}", key.replace('_', "-")));
                args.push(value.clone());
            }
            args.extend([
                "--seed".to_string(),
                seed.to_string(),
                "--no-tui".to_string(),
            ]);
            args.push("--artifact-dir".to_string());
            args.push(run_dir.display().to_string());
            args.extend(spec.extra.iter().cloned());
            runs.push(PlannedRun {
                action: action(&run_dir, learner),
                log: dir.join(format!("{name}.log")),
                point: point.clone(),
                seed,
                dir: run_dir,
                args,
            });
        }
    }
    Ok(SweepPlan { dir, runs })
}

/// Skip a finished run, leave a live one alone, continue a stopped or interrupted
/// learner run from its checkpoint, (re)run the rest.
fn action(dir: &Path, learner: bool) -> Action {
    if !dir.exists() {
        return Action::Run { clean: false };
    }
    match RunRecord::load(dir) {
        Ok(record) => match record.effective_status() {
            Status::Finished => Action::Skip,
            Status::Running => Action::Busy { pid: record.pid },
            Status::Stopped | Status::Interrupted
                if learner && crate::run::latest_checkpoint(dir).is_some() =>
            {
                Action::Resume
            }
            _ => Action::Run { clean: true },
        },
        Err(_) => Action::Run { clean: true },
    }
}

impl PlannedRun {
    /// The experiment binary's arguments for this run's action: its flags, or those
    /// that continue it.
    pub fn args_for_action(&self) -> Vec<String> {
        match self.action {
            Action::Resume => vec![
                "--resume".to_string(),
                "--no-tui".to_string(),
                "--artifact-dir".to_string(),
                self.dir.display().to_string(),
            ],
            _ => self.args.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoo::resolve::fake;
    use serde_json::json;

    fn spec(extra: &[&str]) -> SweepSpec {
        SweepSpec {
            experiment: "xor".into(),
            grid: vec![
                parse_grid("hidden=2,4").unwrap(),
                parse_grid("learning_rate=0.1").unwrap(),
            ],
            first_seed: 1,
            seeds: 2,
            name: None,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_grids() {
        assert_eq!(parse_grid("hidden=2, 4").unwrap().values, ["2", "4"]);
        assert_eq!(
            parse_grid("hidden=16,8;32,16").unwrap().values,
            ["16,8", "32,16"]
        );
        assert!(parse_grid("hidden").is_err());
        assert!(parse_grid("=1").is_err());
        assert!(parse_grid("a b=1").is_err());
        assert!(parse_grid("h=1,,2").is_err());
        assert!(parse_grid("h=1,1").is_err());
    }

    #[test]
    fn slug_is_readable_and_stable() {
        let s = spec(&[]);
        assert_eq!(s.slug(), "hidden-2+4_learning_rate-0.1_seeds1-2");
        assert_eq!(s.slug(), spec(&[]).slug());
        let x = spec(&["--epochs", "3"]);
        assert!(
            x.slug()
                .starts_with("hidden-2+4_learning_rate-0.1_seeds1-2_x"),
            "{}",
            x.slug()
        );
        assert_eq!(x.slug(), spec(&["--epochs", "3"]).slug());
        assert_ne!(x.slug(), spec(&["--epochs", "4"]).slug());
        assert_ne!(x.slug(), spec(&["--epochs3"]).slug());
        let named = SweepSpec {
            name: Some("wide".into()),
            ..spec(&[])
        };
        assert!(named.slug().starts_with("wide_"));
        let odd = SweepSpec {
            grid: vec![parse_grid("hidden=16,8;32,16").unwrap()],
            ..spec(&[])
        };
        let odd_slug = odd.slug();
        assert!(
            odd_slug.contains("_h") && !odd_slug.contains(','),
            "{odd_slug}"
        );
        // The known value pins the hash: a change would orphan existing sweeps.
        assert_eq!(short_hash(""), 0xcbf29ce4 ^ 0x84222325);
    }

    #[test]
    fn plans_points_times_seeds_with_flags() {
        let tmp = tempfile::tempdir().unwrap();
        let p = plan(&spec(&["--epochs", "3"]), tmp.path()).unwrap();
        assert_eq!(p.runs.len(), 4);
        assert!(p.dir.starts_with(tmp.path().join("xor/sweeps")));
        let r = &p.runs[1];
        assert_eq!(r.seed, 2);
        assert_eq!(r.dir, p.dir.join("hidden-2_learning_rate-0.1-seed2"));
        assert_eq!(r.log, p.dir.join("hidden-2_learning_rate-0.1-seed2.log"));
        let dir = r.dir.display().to_string();
        let expected = [
            "--hidden",
            "2",
            "--learning-rate",
            "0.1",
            "--seed",
            "2",
            "--no-tui",
            "--artifact-dir",
            dir.as_str(),
            "--epochs",
            "3",
        ];
        assert_eq!(r.args, expected);
        assert_eq!(point_label(&p.runs[3].point), "hidden=4 learning_rate=0.1");
        assert!(
            p.runs
                .iter()
                .all(|r| r.action == Action::Run { clean: false })
        );
    }

    #[test]
    fn skips_finished_and_reruns_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let first = plan(&spec(&[]), tmp.path()).unwrap();
        let [a, b, c, _] = &first.runs[..] else {
            panic!("four runs")
        };
        fake::write(&a.dir, "xor", "a", "ndarray", 1, true, json!({}), json!({}));
        fake::write(
            &b.dir,
            "xor",
            "b",
            "ndarray",
            2,
            false,
            json!({}),
            json!({}),
        );
        std::fs::create_dir_all(&c.dir).unwrap(); // killed before writing run.json
        let again = plan(&spec(&[]), tmp.path()).unwrap();
        let actions: Vec<&Action> = again.runs.iter().map(|r| &r.action).collect();
        assert_eq!(
            actions,
            [
                &Action::Skip,
                &Action::Run { clean: true },
                &Action::Run { clean: true },
                &Action::Run { clean: false }
            ]
        );
    }

    #[test]
    fn rejects_bad_specs() {
        let bad = |f: &dyn Fn(&mut SweepSpec)| {
            let mut s = spec(&[]);
            f(&mut s);
            s.validate().is_err()
        };
        assert!(bad(&|s| s.experiment = "../xor".into()));
        assert!(bad(&|s| s.seeds = 0));
        assert!(bad(&|s| s.name = Some("a/b".into())));
        assert!(bad(&|s| s
            .grid
            .push(parse_grid("learning-rate=1").unwrap())));
        assert!(bad(&|s| s.first_seed = u64::MAX));
    }
}
