//! Helpers for the end-to-end tests in `tests/`: they run the `lapis` binary that the workspace
//! builds, copied out of the build tree as an installed binary would be, from a directory that
//! holds no lapis source.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary cargo built beside the test executable (`target/<profile>/lapis`).
pub fn built_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    // target/<profile>/deps/<test> -> target/<profile>/lapis
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir.join(format!("lapis{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        bin.display()
    );
    bin
}

/// A user's machine: the binary "installed" into `<dir>/bin`, and an empty working directory.
#[derive(Debug)]
pub struct Install {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub cwd: PathBuf,
}

impl Install {
    pub fn new() -> Install {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin_dir = dir.path().join("bin");
        let cwd = dir.path().join("home");
        std::fs::create_dir_all(&bin_dir).expect("mkdir bin");
        std::fs::create_dir_all(&cwd).expect("mkdir home");
        let bin = bin_dir.join("lapis");
        // A hard link is never open for writing, so no other test's fork can hold it open
        // (which makes exec fail with "text file busy"); copy where links are not possible.
        if std::fs::hard_link(built_binary(), &bin).is_err() {
            std::fs::copy(built_binary(), &bin).expect("install the binary");
        }
        Install { dir, bin, cwd }
    }

    pub fn warehouse(&self) -> PathBuf {
        self.dir.path().join("wh")
    }

    /// Runs `lapis --warehouse <wh> ARGS` from the empty working directory.
    pub fn run(&self, args: &[&str]) -> Output {
        retry_busy(|| self.command(args).output())
    }

    /// Starts `lapis --warehouse <wh> ARGS` with its output piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        retry_busy(|| {
            self.command(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
        })
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.current_dir(&self.cwd)
            .arg("--warehouse")
            .arg(self.warehouse())
            .args(args)
            .env_remove("LAPIS_QUERIES")
            .env_remove("LAPIS_CATALOG")
            .env_remove("LAPIS_COLUMNS")
            .env_remove("LAPIS_WAREHOUSE")
            .env_remove("LAPIS_FAILPOINT")
            .env_remove("LAPIS_CONFIG")
            .env_remove("LAPIS_JOBS");
        c
    }

    /// Runs a query that must succeed and returns its CSV.
    pub fn csv(&self, sql: &str) -> String {
        let out = self.run(&["query", "--format", "csv", sql]);
        assert!(out.status.success(), "{sql}: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// The second line of a query's CSV (the first row).
    pub fn row(&self, sql: &str) -> String {
        self.csv(sql).lines().nth(1).unwrap_or_default().to_string()
    }
}

impl Default for Install {
    fn default() -> Self {
        Install::new()
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A real report in `../shared/reports/`.
pub fn report(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reports")
        .join(name);
    let p = std::path::absolute(&p).expect("path");
    assert!(p.is_file(), "{} is missing", p.display());
    p.display().to_string()
}

/// The bundled sample report.
pub fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/derbyshire-county-2025-26-q1-sample.txt")
        .display()
        .to_string()
}

/// Runs `start`, again while the binary is "text file busy": a copied binary may briefly be
/// held open by a process another test thread is forking.
pub fn retry_busy<T>(mut start: impl FnMut() -> std::io::Result<T>) -> T {
    for _ in 0..50 {
        match start() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.expect("run lapis"),
        }
    }
    start().expect("run lapis")
}
