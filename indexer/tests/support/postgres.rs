//! A throwaway PostgreSQL server for a test or a benchmark: `initdb` in a temporary directory
//! (as the `postgres` user when run as root, which PostgreSQL refuses), started on a free
//! loopback port with trust authentication, stoppable and restartable (an outage), stopped when
//! dropped; and the wait for an indexer's cursor to reach the chain's newest transaction.

#![allow(dead_code)] // each user takes part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tessera_localnet::LocalChain;

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The newest PostgreSQL's binaries (Debian's `/usr/lib/postgresql/<version>/bin`).
fn binaries() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn as_root() -> bool {
    // SAFETY: reads the effective user id.
    unsafe { libc::geteuid() == 0 }
}

/// `program args`, as the `postgres` user when we are root.
fn pg(bin: &Path, program: &str, args: &[&str]) -> Command {
    let path = bin.join(program);
    if as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path).args(args);
        c
    } else {
        let mut c = Command::new(path);
        c.args(args);
        c
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Postgres {
    /// Starts a server, or `None` (saying why) where PostgreSQL is not installed; with
    /// `TESSERA_REQUIRE_POSTGRES=1` (CI) that is a failure instead.
    pub fn start() -> Option<Self> {
        let Some(bin) = binaries() else {
            assert!(
                std::env::var("TESSERA_REQUIRE_POSTGRES").is_err(),
                "PostgreSQL is required (TESSERA_REQUIRE_POSTGRES) but not installed"
            );
            eprintln!("PostgreSQL is not installed (Debian: postgresql): indexer tests NOT run");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data directory");
        if as_root() {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(
                owned.success(),
                "cannot give the data directory to postgres"
            );
        }
        let data = data.to_string_lossy().to_string();
        let init = pg(
            &bin,
            "initdb",
            &["-D", &data, "-U", "tessera", "--auth=trust", "-E", "UTF8"],
        )
        .output()
        .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let server = Self {
            dir,
            bin,
            port: free_port(),
        };
        server.launch();
        Some(server)
    }

    /// Starts the server on its port (again, after [`Postgres::stop`]).
    pub fn launch(&self) {
        let data = self.data_dir().to_string_lossy().to_string();
        let options = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
            self.port
        );
        let log = format!("{data}/log");
        let started = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )
        .output()
        .expect("pg_ctl runs");
        assert!(
            started.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the server (`fast`: open connections are cut, as in an outage).
    pub fn stop(&self) {
        let data = self.data_dir().to_string_lossy().to_string();
        let stopped = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "stop"],
        )
        .output()
        .expect("pg_ctl runs");
        assert!(
            stopped.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&stopped.stderr)
        );
    }

    /// A connection URL for the `postgres` database.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// A connection URL for the database `name`.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://tessera@127.0.0.1:{}/{name}", self.port)
    }

    /// Bytes of the database on disk.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data_dir().to_string_lossy().to_string();
        let _ = pg(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "stop"],
        )
        .output();
    }
}

/// Waits (at most `limit`) until the indexer's program cursor is at the chain's newest
/// Tessera transaction.
pub async fn caught_up(db: &tokio_postgres::Client, chain: &LocalChain, limit: Duration) {
    let newest = chain.signatures_for(&tessera_client::ID).await[0]
        .signature
        .to_string();
    let deadline = Instant::now() + limit;
    loop {
        let at: Option<String> = db
            .query_opt("SELECT signature FROM cursors WHERE name = 'program'", &[])
            .await
            .ok()
            .flatten()
            .map(|r| r.get(0));
        if at.as_deref() == Some(newest.as_str()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the indexer did not catch up: at {at:?}, newest {newest}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
