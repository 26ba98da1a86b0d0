//! A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` into a
//! temporary directory, `pg_ctl start` on a free loopback port, stopped and
//! deleted on drop. PostgreSQL refuses to run as root, so as root the
//! commands run as an unprivileged user (`DANGOL_PG_USER`, else `postgres`,
//! else `nobody`) through `runuser`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

pub struct TempCluster {
    dir: PathBuf,
    port: u16,
    user: Option<String>,
}

/// A PostgreSQL program: on PATH, else from Debian's versioned folders
/// (the newest), where the `postgresql` package puts them.
fn program(name: &str) -> String {
    let on_path =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file())).unwrap_or(false);
    if on_path {
        return name.to_string();
    }
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(|e| e.ok()).map(|e| e.path().join("bin").join(name)).filter(|p| p.is_file()).collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|p| {
        p.components().nth(3).and_then(|c| c.as_os_str().to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    found.last().map(|p| p.display().to_string()).unwrap_or_else(|| name.to_string())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn user_exists(name: &str) -> bool {
    Command::new("id").arg(name).output().is_ok_and(|o| o.status.success())
}

impl TempCluster {
    fn command(&self, name: &str) -> Command {
        let program = program(name);
        let program = program.as_str();
        match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--", program]);
                c
            }
            None => Command::new(program),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let out = self.command(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Starts a new cluster (initdb with trust authentication on loopback).
    pub fn start() -> Result<TempCluster, String> {
        let user = if is_root() {
            let name = std::env::var("DANGOL_PG_USER")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| if user_exists("postgres") { "postgres".into() } else { "nobody".into() });
            Some(name)
        } else {
            None
        };
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let base = std::env::temp_dir().join(format!(
            "dangol-pg-{}-{}-{}",
            std::process::id(),
            port,
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        ));
        let cluster = TempCluster { dir: base, port, user };
        let dir = cluster.dir.to_string_lossy().into_owned();
        cluster.run("initdb", &["-D", &dir, "-A", "trust", "-U", "dangol", "--no-sync", "-E", "UTF8", "--locale=C"])?;
        let opts =
            format!("-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB");
        let log = format!("{dir}/server.log");
        cluster.run("pg_ctl", &["-D", &dir, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"]).map_err(|e| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            format!("{e}\n{log}")
        })?;
        Ok(cluster)
    }

    /// A connection string for the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("host=127.0.0.1 port={} user=dangol dbname=postgres", self.port)
    }

    /// Creates a database and returns its connection string.
    pub fn database(&self, name: &str) -> Result<String, String> {
        let mut c = postgres::Client::connect(&self.url(), postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(&format!("CREATE DATABASE \"{name}\"")).map_err(|e| e.to_string())?;
        Ok(format!("host=127.0.0.1 port={} user=dangol dbname={name}", self.port))
    }

    /// Stops the server at once, as a power cut would (`-m immediate`).
    pub fn crash(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.dir.to_string_lossy(), "-m", "immediate", "-w", "stop"])
    }

    /// Starts it again after `crash`.
    pub fn restart(&self) -> Result<(), String> {
        let dir = self.dir.to_string_lossy().into_owned();
        let opts = format!("-p {} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=200", self.port);
        self.run("pg_ctl", &["-D", &dir, "-o", &opts, "-l", &format!("{dir}/server.log"), "-w", "start"])
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let _ = self.crash();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
