//! Downloads for the file data sets: a progress bar, a temporary `.part` file, a
//! SHA-256 check, then an atomic rename into place.

use std::{
    fs::{self, File},
    io::{self, Read},
    path::Path,
    time::Duration,
};

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

/// Downloads `url` to `dest` through `<dest>.part`, checks `digest(part) == sha256`, then
/// renames it into place. `what` names what the digest covers in a mismatch message
/// (e.g. "the file's"). Nothing is left behind on failure; the error names the URL.
pub(crate) fn fetch_verified(
    url: &str,
    dest: &Path,
    sha256: &str,
    what: &str,
    digest: impl Fn(&Path) -> io::Result<String>,
) -> Result<(), String> {
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = Path::new(&part);
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .build();
    // ureq's errors already name the URL.
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let total = response
        .header("Content-Length")
        .and_then(|v| v.parse::<u64>().ok());
    let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec})")
            .expect("a valid progress template"),
    );
    bar.set_message(format!("downloading {url}"));
    let result = (|| -> io::Result<()> {
        let mut file = File::create(part)?;
        io::copy(&mut bar.wrap_read(response.into_reader()), &mut file)?;
        file.sync_all()
    })();
    bar.finish_and_clear();
    let checked = result
        .map_err(|e| format!("{url}: {e}"))
        .and_then(|()| match digest(part) {
            Ok(found) if found == sha256 => Ok(()),
            Ok(found) => Err(format!(
                "{url}: checksum mismatch: {what} SHA-256 is {found}, expected {sha256}"
            )),
            Err(e) => Err(format!("{url}: unreadable download: {e}")),
        });
    if let Err(e) = checked {
        let _ = fs::remove_file(part);
        return Err(e);
    }
    fs::rename(part, dest)
        .map_err(|e| format!("cannot move '{}' into place: {e}", part.display()))?;
    eprintln!("downloaded {} (SHA-256 verified)", dest.display());
    Ok(())
}

/// SHA-256 (lower-case hex) of everything `reader` yields, streamed.
pub(crate) fn sha256_of_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// SHA-256 (lower-case hex) of a file.
pub(crate) fn sha256_of_file(path: &Path) -> io::Result<String> {
    sha256_of_reader(File::open(path)?)
}

/// A loopback HTTP server for download tests.
#[cfg(test)]
pub(crate) mod test_http {
    use std::{
        io::{self, BufRead, Write},
        net::TcpListener,
        thread,
    };

    /// Serves `body` for every request on a loopback port, `n` times; returns the base URL.
    pub(crate) fn serve(body: Vec<u8>, n: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().take(n) {
                let mut stream = stream.unwrap();
                let mut reader = io::BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).unwrap();
                stream.write_all(&body).unwrap();
            }
        });
        format!("http://{addr}")
    }

    /// A loopback URL nothing listens on: a connection to it is refused at once.
    pub(crate) fn refused_url() -> String {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}/")
    }
}
