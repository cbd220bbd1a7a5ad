//! `mcpjail ps` and `mcpjail cleanup`: the containers labelled `mcpproxy.managed=true`, and
//! removing those whose owner is gone.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::argv::{LABEL_OWNER, LABEL_OWNER_BOOT, LABEL_OWNER_START, LABEL_SERVER};
use super::daemon::{Container, Daemon, Outcome};
use super::owner::{self, Liveness};
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::exec;

/// How long `cleanup` lets each container stop before the engine kills it. Shorter than a
/// run's 30 s default: these are orphans nobody is waiting on.
const CLEANUP_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// One managed container and what its labels say.
struct Row {
    c: Container,
    server: String,
    owner: Option<String>,
    alive: Liveness,
}

impl Row {
    fn new(c: Container) -> Row {
        let label = |k: &str| c.labels.get(k).cloned();
        let owner = label(LABEL_OWNER);
        let alive = owner::liveness(
            owner.as_deref(),
            label(LABEL_OWNER_START).as_deref(),
            label(LABEL_OWNER_BOOT).as_deref(),
        );
        Row {
            server: label(LABEL_SERVER).unwrap_or_default(),
            owner,
            alive,
            c,
        }
    }

    fn to_json(&self, now: i64) -> Value {
        json!({
            "name": self.c.name,
            "id": self.c.id,
            "server": self.server,
            "image": self.c.image,
            "owner_pid": self.owner.as_deref().and_then(|p| p.parse::<u32>().ok()),
            "owner": self.alive.as_str(),
            "owner_reason": self.alive.reason(),
            "created": self.c.created,
            "age_seconds": (now - self.c.created).max(0),
            "state": self.c.state,
        })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The docker CLI for the fallback (only needed when the API cannot reach the engine).
fn cli_path() -> PathBuf {
    let path_var = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    exec::resolve("docker", &path_var, None).unwrap_or_else(|_| PathBuf::from("docker"))
}

fn rows(daemon: &Daemon) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = daemon.list_managed()?.into_iter().map(Row::new).collect();
    rows.sort_by(|a, b| {
        (&a.server, a.c.created, &a.c.name).cmp(&(&b.server, b.c.created, &b.c.name))
    });
    Ok(rows)
}

/// `mcpjail ps [--json]`.
#[inline(never)] // not on the launch path (see main.rs)
pub fn ps(cli: &Cli) -> Result<i32> {
    let daemon = Daemon::new(&cli_path())?;
    let rows = rows(&daemon)?;
    let now = now();
    if cli.json {
        let list: Vec<Value> = rows.iter().map(|r| r.to_json(now)).collect();
        let text = serde_json::to_string_pretty(&list).map_err(|e| Error::new(e.to_string()))?;
        println!("{text}");
        return Ok(0);
    }
    let table: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.c.name.clone(),
                if r.server.is_empty() {
                    "-".into()
                } else {
                    r.server.clone()
                },
                r.owner.clone().unwrap_or_else(|| "-".into()),
                r.alive.as_str().to_string(),
                age(now - r.c.created),
                r.c.state.clone(),
            ]
        })
        .collect();
    let header = ["NAME", "SERVER", "OWNER", "OWNER STATE", "AGE", "STATE"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(0)
}

/// `5s`, `3m`, `2h`, `4d`.
fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// `mcpjail cleanup [--all] [--server NAME]`: stop (SIGTERM, then kill), then remove each
/// managed container whose owner is gone — or every managed one with `--all`.
#[inline(never)] // not on the launch path (see main.rs)
pub fn cleanup(cli: &Cli) -> Result<i32> {
    let daemon = Daemon::new(&cli_path())?;
    let mut failed = Vec::new();
    let mut removed = 0;
    for row in rows(&daemon)? {
        if cli.server.as_ref().is_some_and(|s| *s != row.server) {
            continue;
        }
        let why = match (&row.alive, cli.all) {
            (Liveness::Gone(reason), _) => {
                format!("owner {} {reason}", row.owner.as_deref().unwrap_or("?"))
            }
            (_, true) => "--all".to_string(),
            (Liveness::Alive, false) => continue,
            (Liveness::Unknown(reason), false) => {
                log::info!(
                    "keeping {} (owner unknown: {reason}; --all removes it)",
                    row.c.name
                );
                continue;
            }
        };
        match remove(&daemon, &row.c) {
            Ok(()) => {
                removed += 1;
                println!(
                    "removed {} (server {}, {why})",
                    row.c.name,
                    if row.server.is_empty() {
                        "-"
                    } else {
                        &row.server
                    }
                );
            }
            Err(e) => failed.push(format!("{}: {e}", row.c.name)),
        }
    }
    if removed == 0 && failed.is_empty() {
        println!("no orphaned managed containers");
    }
    if !failed.is_empty() {
        return Err(Error::new(format!(
            "cleanup failed for {}",
            failed.join("; ")
        )));
    }
    Ok(0)
}

/// Stop (the engine sends SIGTERM, waits, kills), then remove; a container stopped with
/// `--rm` removes itself, which is fine too.
fn remove(daemon: &Daemon, c: &Container) -> Result<()> {
    // "created" too: a container that is starting is listed as created until its process
    // runs, and the engine refuses to stop it until then; retry briefly.
    if matches!(
        c.state.as_str(),
        "running" | "paused" | "restarting" | "created"
    ) {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            match daemon.stop(&c.id, CLEANUP_STOP_TIMEOUT) {
                Ok(Outcome::NotRunning) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Ok(_) => break,
                Err(e) => {
                    log::warn!("stopping {}: {e}; killing it", c.name);
                    daemon.kill(&c.id)?;
                    break;
                }
            }
        }
    }
    if daemon.remove(&c.id)? == Outcome::NotFound {
        return Ok(());
    }
    // A removal the engine had already started (`--rm`) finishes on its own; wait for it so
    // that "removed" means gone.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while daemon.exists(&c.id)? {
        if std::time::Instant::now() > deadline {
            return Err(Error::new("still present 10 s after its removal"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(-3), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(60), "1m");
        assert_eq!(age(7199), "1h");
        assert_eq!(age(86400 * 3 + 5), "3d");
    }
}
