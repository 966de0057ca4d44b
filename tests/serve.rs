//! `zoo serve` over HTTP, without a browser: the pages and the JSON API on quick runs
//! made by the test, traversal attempts, bad bodies, damaged runs, and that the
//! artifacts root is left as it was. The browser checks are `.ci/serve/`.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use crate::common::{mnist_fixture, ok, run_in, socr_fixture};

const ZOO: &str = env!("CARGO_BIN_EXE_zoo");
const XOR: &str = env!("CARGO_BIN_EXE_xor");
const MNIST: &str = env!("CARGO_BIN_EXE_mnist");
const SVM: &str = env!("CARGO_BIN_EXE_svm");
const KMEANS: &str = env!("CARGO_BIN_EXE_kmeans");

/// A `zoo serve` process on a free port of 127.0.0.1; stopped with SIGTERM on drop.
struct Server {
    child: Child,
    base: String,
    address: String,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> (Self, String) {
        let mut child = Command::new(ZOO)
            .args([
                "--artifacts",
                root.to_str().unwrap(),
                "serve",
                "--port",
                "0",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zoo serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let base = line[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        let address = base.trim_start_matches("http://").to_string();
        (
            Self {
                child,
                base,
                address,
            },
            line,
        )
    }

    /// Status, content type and body of a request made with ureq.
    fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, String, String) {
        let request = ureq::request(method, &format!("{}{path}", self.base))
            .set("Content-Type", "application/json");
        let result = match body {
            Some(bytes) => request.send_bytes(bytes),
            None => request.call(),
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        let content_type = response.content_type().to_string();
        (status, content_type, response.into_string().unwrap())
    }

    fn get_json(&self, path: &str) -> Value {
        let (status, _, body) = self.request("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, _, text) = self.request("POST", path, Some(body.to_string().as_bytes()));
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The status of a GET sent byte for byte (no client-side path cleaning).
    fn raw_status(&self, path: &str) -> u16 {
        self.raw("GET", path, "").0
    }

    /// Status and whole answer of a request sent byte for byte with extra `headers`
    /// (each ending in CRLF) and no body.
    fn raw(&self, method: &str, path: &str, headers: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{headers}\r\n",
            self.address
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status for {path}: {answer:?}"));
        (status, answer)
    }

    /// Stops it with SIGTERM; returns its exit status and what it printed on stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        let _ = self
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr);
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An error answer: the status, and a one-line message in `{"error": ...}`.
fn assert_error(answer: (u16, Value), status: u16, needle: &str) {
    let (got, body) = answer;
    assert_eq!(got, status, "{body}");
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {body}"));
    assert!(!message.contains('\n'), "{message}");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// Every file under `dir` with its size and modification time, sorted.
fn snapshot(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = entry.path().symlink_metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            }
            out.push((
                entry.path().display().to_string(),
                meta.len(),
                meta.modified().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

/// A vertical stroke, as a page would send a drawn "1": 112×112, ink high.
fn drawn_one() -> Vec<u8> {
    let mut pixels = vec![0u8; 112 * 112];
    for y in 20..92 {
        for x in 52..60 {
            pixels[y * 112 + x] = 255;
        }
    }
    pixels
}

#[test]
fn serves_runs_and_playgrounds_and_refuses_what_it_must() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("artifacts");
    let r = root.to_str().unwrap();
    let mnist_data = mnist_fixture();
    let (socr_data, _) = socr_fixture(300);
    let at = |exp: &str, id: &str| format!("{r}/{exp}/{id}");
    ok(run_in(
        &root,
        XOR,
        &[
            "--steps",
            "300",
            "--steps-per-epoch",
            "100",
            "--no-tui",
            "--artifact-dir",
            &at("xor", "xor-run"),
        ],
    ));
    ok(run_in(
        &root,
        MNIST,
        &[
            "--data-dir",
            mnist_data.path().to_str().unwrap(),
            "--valid-size",
            "100",
            "--batch-size",
            "32",
            "--epochs",
            "2",
            "--hidden",
            "32",
            "--no-tui",
            "--artifact-dir",
            &at("mnist", "mnist-run"),
        ],
    ));
    ok(run_in(
        &root,
        SVM,
        &[
            "--epochs",
            "1",
            "--steps-per-epoch",
            "50",
            "--no-tui",
            "--artifact-dir",
            &at("svm", "svm-run"),
        ],
    ));
    ok(run_in(
        &root,
        KMEANS,
        &[
            "--data-dir",
            socr_data.path().to_str().unwrap(),
            "--n-init",
            "1",
            "--no-tui",
            "--artifact-dir",
            &at("kmeans", "kmeans-run"),
        ],
    ));
    // A damaged run (run.json cut short), a run whose summary and metric log are
    // damaged, a link to a run outside the root, and a link to a file outside it.
    let broken = root.join("xor/broken-run");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("run.json"), "{\"id\": \"broken-r").unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(outside.join("run")).unwrap();
    let copied = std::fs::read_to_string(root.join("xor/xor-run/run.json")).unwrap();
    std::fs::write(
        outside.join("run/run.json"),
        copied.replace("\"xor-run\"", "\"outside-run\""),
    )
    .unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(outside.join("run"), root.join("xor/outside-run")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("secret.txt"),
        root.join("xor/xor-run/leak.txt"),
    )
    .unwrap();
    let before = snapshot(&root);

    let (server, line) = Server::start(&root, &[]);
    assert!(line.contains("127.0.0.1") && line.contains(r), "{line}");

    // The runs table: every run, damaged ones marked, playgrounds named.
    let runs = server.get_json("/api/runs");
    let row = |id: &str| -> Value {
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in {runs}"))
    };
    for (id, kind) in [
        ("xor-run", "xor"),
        ("mnist-run", "mnist"),
        ("svm-run", "svm"),
        ("kmeans-run", "kmeans"),
    ] {
        assert_eq!(row(id)["status"], "finished");
        assert_eq!(row(id)["playground"], kind, "{id}");
    }
    assert_eq!(row("mnist-run")["epoch"], 2);
    assert_eq!(row("mnist-run")["epochs"], 2);
    assert_eq!(row("xor-run")["key_metric"]["name"], "accuracy");
    assert_eq!(row("broken-run")["status"], "damaged");
    assert!(
        row("broken-run")["damaged"]
            .as_str()
            .unwrap()
            .contains("run.json")
    );
    assert!(
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != "outside-run")
    );
    let only_xor = server.get_json("/api/runs?experiment=xor");
    assert!(
        only_xor["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["experiment"] == "xor")
    );

    // Pages and assets.
    for path in [
        "/",
        "/runs/xor-run",
        "/compare?runs=xor-run,svm-run",
        "/play/mnist-run",
        "/runs/broken-run",
    ] {
        let (status, content_type, body) = server.request("GET", path, None);
        assert_eq!(status, 200, "{path}");
        assert!(
            content_type.starts_with("text/html") && body.contains("<html"),
            "{path}"
        );
    }
    for asset in ["common.js", "style.css", "uplot.iife.min.js", "play.js"] {
        let (status, _, body) = server.request("GET", &format!("/assets/{asset}"), None);
        assert_eq!(status, 200, "{asset}");
        assert!(!body.is_empty());
    }

    // One run: record, config, summary, files (the link out of the root not listed).
    let detail = server.get_json("/api/runs/mnist-run");
    assert_eq!(detail["record"]["experiment"], "mnist");
    assert_eq!(detail["config"]["epochs"], 2);
    assert!(detail["summary"]["metrics"]["test_accuracy"].is_number());
    assert_eq!(detail["problems"], json!([]));
    let files: Vec<&str> = detail["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"training_curves.png") && files.contains(&"model.safetensors"),
        "{files:?}"
    );
    let (status, content_type, png) =
        server.request("GET", "/api/runs/mnist-run/files/training_curves.png", None);
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(png.len() > 1000);
    let leak = server.get_json("/api/runs/xor-run");
    assert!(!leak["files"].to_string().contains("leak.txt"));

    // Curves: per epoch by split, per step for training.
    let curves = server.get_json("/api/runs/mnist-run/curves");
    let per_epoch = curves["per_epoch"].as_array().unwrap();
    let train_loss = per_epoch
        .iter()
        .find(|s| s["split"] == "train" && s["key"] == "loss")
        .unwrap();
    assert_eq!(train_loss["points"].as_array().unwrap().len(), 2);
    assert!(
        per_epoch
            .iter()
            .any(|s| s["split"] == "valid" && s["key"] == "accuracy")
    );
    let steps = &curves["per_step"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "loss")
        .unwrap()["points"];
    assert!(steps.as_array().unwrap().len() > 10);

    // A comparison of two runs; one run or six are refused.
    let compared = server.get_json("/api/compare?runs=mnist-run,xor-run");
    assert_eq!(compared["runs"].as_array().unwrap().len(), 2);
    assert!(!compared["settings"].as_array().unwrap().is_empty());
    let (status, _, body) = server.request("GET", "/api/compare?runs=xor-run", None);
    assert_error(
        (status, serde_json::from_str(&body).unwrap()),
        400,
        "2 to 5",
    );

    // The playgrounds.
    let mnist_play = server.get_json("/api/runs/mnist-run/play");
    assert_eq!(mnist_play["kind"], "mnist");
    assert_eq!(mnist_play["classes"].as_array().unwrap().len(), 10);
    let drawing = json!({"width": 112, "height": 112, "pixels": drawn_one()});
    let (status, answer) = server.post("/api/runs/mnist-run/predict", &drawing);
    assert_eq!(status, 200, "{answer}");
    let p: Vec<f64> = serde_json::from_value(answer["probabilities"].clone()).unwrap();
    assert_eq!(p.len(), 10);
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-3);
    assert_eq!(answer["input"].as_array().unwrap().len(), 784);
    let xor_play = server.get_json("/api/runs/xor-run/play");
    assert_eq!(
        xor_play["grid"]["values"].as_array().unwrap().len(),
        60 * 60
    );
    let gate = xor_play["gate"].as_str().unwrap().to_string();
    for (point, xnor) in [
        ([0.0, 0.0], 1),
        ([1.0, 0.0], 0),
        ([0.0, 1.0], 0),
        ([1.0, 1.0], 1),
    ] {
        let (status, answer) = server.post("/api/runs/xor-run/predict", &json!({"point": point}));
        assert_eq!(status, 200, "{answer}");
        let expected = if gate == "xnor" { xnor } else { 1 - xnor };
        assert_eq!(answer["class"], expected, "{gate}{point:?}: {answer}");
    }
    let (status, answer) = server.post("/api/runs/svm-run/predict", &json!({"point": [-4.0, 4.0]}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["class"], 1, "(-4, 4) lies above y = x: {answer}");
    let kmeans_play = server.get_json("/api/runs/kmeans-run/play");
    let centroids = kmeans_play["centroids"].as_array().unwrap().clone();
    assert_eq!(centroids.len(), 4);
    let (status, answer) = server.post(
        "/api/runs/kmeans-run/predict",
        &json!({"point": centroids[2]}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["class"], 2,
        "a centroid is in its own cluster: {answer}"
    );

    // Bad bodies: each a 4xx with one line, and the server goes on.
    let predict = "/api/runs/mnist-run/predict";
    assert_error(
        server.post(
            predict,
            &json!({"width": 4, "height": 4, "pixels": vec![0; 16]}),
        ),
        400,
        "8 to 512",
    );
    assert_error(
        server.post(
            predict,
            &json!({"width": 10, "height": 10, "pixels": vec![0; 99]}),
        ),
        400,
        "99 pixels",
    );
    assert_error(
        server.post(
            predict,
            &json!({"width": 10, "height": 10, "pixels": vec![300; 100]}),
        ),
        400,
        "0 to 255",
    );
    assert_error(
        server.post(
            predict,
            &json!({"width": 10, "height": 10, "pixels": vec!["a"; 100]}),
        ),
        400,
        "not a number",
    );
    assert_error(
        server.post(
            predict,
            &json!({"width": 10, "height": 10, "pixels": vec![0; 100]}),
        ),
        400,
        "empty",
    );
    assert_error(
        server.post(predict, &json!({"point": [0, 0]})),
        400,
        "width",
    );
    assert_error(
        server.post("/api/runs/xor-run/predict", &json!({"point": [0, "x"]})),
        400,
        "point",
    );
    assert_error(
        server.post("/api/runs/xor-run/predict", &json!({"point": [0]})),
        400,
        "point",
    );
    let (status, _, body) = server.request("POST", predict, Some(b"{\"width\": 1e999"));
    assert_error(
        (status, serde_json::from_str(&body).unwrap()),
        400,
        "not valid JSON",
    );
    let (status, _, body) = server.request("POST", predict, Some(b"[NaN]"));
    assert_error(
        (status, serde_json::from_str(&body).unwrap()),
        400,
        "not valid JSON",
    );
    let (status, answer) = server.raw("POST", predict, &format!("Content-Length: {}\r\n", 3 << 20));
    assert_eq!(status, 413, "a body over the limit: {answer}");
    assert_error(
        server.post("/api/runs/nope/predict", &json!({"point": [0, 0]})),
        404,
        "no run 'nope'",
    );
    assert_error(
        server.post("/api/runs/broken-run/predict", &json!({"point": [0, 0]})),
        409,
        "damaged",
    );

    // Traversal: paths never reach the file system.
    for path in [
        "/api/runs/..%2F..%2Fetc%2Fpasswd",
        "/api/runs/../../etc/passwd",
        "/api/runs/%2Fetc%2Fpasswd",
        "/api/runs/xor-run/files/..%2Frun.json",
        "/api/runs/xor-run/files/%2Fetc%2Fpasswd",
        "/api/runs/xor-run/files/leak.txt",
        "/api/runs/xor-run/files/checkpoint",
        "/api/runs/outside-run",
        "/runs/outside-run",
        "/runs/..%2F..%2Fetc",
        "/play/..",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/../../Cargo.toml",
        "/etc/passwd",
    ] {
        assert_eq!(server.raw_status(path), 404, "{path}");
    }

    // A damaged run shows as damaged: a page and JSON, not a 500.
    let damaged = server.get_json("/api/runs/broken-run");
    assert_eq!(damaged["run"]["status"], "damaged");
    assert!(
        damaged["problems"][0]
            .as_str()
            .unwrap()
            .contains("run.json")
    );
    std::fs::write(root.join("svm/svm-run/summary.json"), "{not json").unwrap();
    let log = root.join("svm/svm-run/train/epoch-1/Loss.log");
    std::fs::write(&log, "0.5\nnot a number\n").unwrap();
    let svm = server.get_json("/api/runs/svm-run");
    let problems = svm["problems"].to_string();
    assert!(
        problems.contains("summary.json") && problems.contains("Loss.log"),
        "{problems}"
    );
    let (status, _, body) = server.request("GET", "/api/runs/svm-run/curves", None);
    assert_error(
        (status, serde_json::from_str(&body).unwrap()),
        409,
        "damaged",
    );

    // Still serving; nothing under the root written by the server (the two files this
    // test damaged aside).
    assert_eq!(server.request("GET", "/api/runs", None).0, 200);
    let (status, stderr) = server.stop();
    assert!(status.success(), "{status}: {stderr}");
    let after: Vec<_> = snapshot(&root)
        .into_iter()
        .filter(|(path, ..)| {
            !path.contains("svm-run/summary.json") && !path.contains("svm-run/train")
        })
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(path, ..)| {
            !path.contains("svm-run/summary.json") && !path.contains("svm-run/train")
        })
        .collect();
    assert_eq!(before, after, "zoo serve changed the artifacts root");
}

#[test]
fn a_non_loopback_address_is_served_with_a_warning_and_a_busy_port_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, line) = Server::start(tmp.path(), &["--host", "0.0.0.0"]);
    assert!(line.contains("http://0.0.0.0:"), "{line}");
    let port = server.address.rsplit(':').next().unwrap().to_string();
    // The same port again: one clear error.
    let out = Command::new(ZOO)
        .args([
            "--artifacts",
            tmp.path().to_str().unwrap(),
            "serve",
            "--port",
            &port,
            "--host",
            "0.0.0.0",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("cannot listen on 0.0.0.0:{port}")) && !err.contains("panicked"),
        "{err}"
    );
    let (status, stderr) = server.stop();
    assert!(status.success());
    assert!(stderr.contains("warning: listening on 0.0.0.0"), "{stderr}");
    assert!(stderr.contains("no authentication"), "{stderr}");
}
