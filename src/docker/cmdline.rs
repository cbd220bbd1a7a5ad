//! mcpjail's own command line as `ps` shows it. In sandbox and none modes mcpjail execs the
//! server and its argv is gone; in docker mode it stays alive as the supervisor, so a
//! `-e KEY=VALUE` on its command line would stay readable in /proc/PID/cmdline (`ps -ef`) for
//! the server's whole life. The kernel reads that file from the process's own argv memory, so
//! overwriting the values there hides them.

use crate::cli::flags;

/// Overwrite the VALUE of every `-e KEY=VALUE` in this process's argv memory with `*`.
/// Best effort: if the memory does not hold what std saw as argv, nothing is written.
pub fn hide_env_values() {
    let args: Vec<Vec<u8>> = std::env::args_os()
        .map(std::os::unix::ffi::OsStringExt::into_vec)
        .collect();
    let ranges = value_ranges(&args);
    if ranges.is_empty() {
        return;
    }
    let Some((start, end)) = arg_area() else {
        return;
    };
    let expected: Vec<u8> = args
        .iter()
        .flat_map(|a| a.iter().copied().chain(std::iter::once(0)))
        .collect();
    if end <= start || end - start != expected.len() {
        log::debug!("argv memory does not match argv; env values on the command line stay visible");
        return;
    }
    // SAFETY: [start, end) is this process's argv area, as the kernel reports it; its length
    // matches the arguments, and it is compared with them byte for byte before any write.
    let area = unsafe { std::slice::from_raw_parts_mut(start as *mut u8, end - start) };
    if area != expected.as_slice() {
        log::debug!("argv memory does not match argv; env values on the command line stay visible");
        return;
    }
    let mut offsets = Vec::with_capacity(args.len());
    let mut at = 0;
    for a in &args {
        offsets.push(at);
        at += a.len() + 1;
    }
    for (arg, from) in ranges {
        let base = offsets[arg];
        area[base + from..base + args[arg].len()].fill(b'*');
    }
}

/// arg_start and arg_end: fields 48 and 49 of /proc/self/stat.
fn arg_area() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    // Fields after `comm` start at field 3.
    let mut fields = rest.split_whitespace().skip(48 - 3);
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// (argument index, byte offset where VALUE starts) for each `-e KEY=VALUE`, in the options
/// before COMMAND. Walks the arguments the way the parser does, with the flag table.
fn value_ranges(args: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let is_env = |f: &flags::Flag| f.long == "env";
    let value_at = |arg: &[u8], from: usize| {
        arg[from..]
            .iter()
            .position(|b| *b == b'=')
            .map(|i| from + i + 1)
    };
    let mut out = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if a.as_slice() == b"--" || !a.starts_with(b"-") || a.len() == 1 {
            break;
        }
        if let Some(long) = a.strip_prefix(b"--") {
            let (name, inline) = match long.iter().position(|b| *b == b'=') {
                Some(eq) => (&long[..eq], Some(2 + eq + 1)),
                None => (long, None),
            };
            let Some(flag) = std::str::from_utf8(name).ok().and_then(flags::by_long) else {
                break;
            };
            match (flag.takes_value(), inline) {
                (true, Some(from)) => {
                    if is_env(flag)
                        && let Some(v) = value_at(a, from)
                    {
                        out.push((i, v));
                    }
                }
                (true, None) => {
                    i += 1;
                    if is_env(flag)
                        && let Some(v) = args.get(i).and_then(|n| value_at(n, 0))
                    {
                        out.push((i, v));
                    }
                }
                (false, _) => {}
            }
            i += 1;
            continue;
        }
        // A cluster of short options; one that takes a value ends it.
        let mut j = 1;
        while j < a.len() {
            let Some(flag) = flags::by_short(a[j] as char) else {
                return out;
            };
            if flag.takes_value() {
                if j + 1 < a.len() {
                    if is_env(flag)
                        && let Some(v) = value_at(a, j + 1)
                    {
                        out.push((i, v));
                    }
                } else {
                    i += 1;
                    if is_env(flag)
                        && let Some(v) = args.get(i).and_then(|n| value_at(n, 0))
                    {
                        out.push((i, v));
                    }
                }
                break;
            }
            j += 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(args: &[&str]) -> Vec<(usize, usize)> {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        value_ranges(&args)
    }

    #[test]
    fn finds_every_spelling() {
        assert_eq!(
            ranges(&["mcpjail", "-e", "K=v", "--", "x", "-e", "A=b"]),
            [(2, 2)]
        );
        assert_eq!(
            ranges(&[
                "mcpjail",
                "--env",
                "KEY=val",
                "--env=X=1",
                "-eY=2",
                "-ve",
                "Z=3",
                "--",
                "x"
            ]),
            [(2, 4), (3, 8), (4, 4), (6, 2)]
        );
        // a bare KEY takes its value from the environment: nothing to hide
        assert!(ranges(&["mcpjail", "-e", "KEY", "--", "x"]).is_empty());
        // values of other options are skipped, and COMMAND ends the options
        assert!(ranges(&["mcpjail", "--server", "-e", "cat", "-e", "A=b"]).is_empty());
        assert_eq!(
            ranges(&["mcpjail", "--mode", "docker", "-e", "A=", "cat"]),
            [(4, 2)]
        );
    }
}
