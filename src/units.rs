//! Values with units, spelled the way docker and mcpproxy (Go) spell them.
//! Errors are short phrases; the caller prefixes the option or config key.

use std::time::Duration;

/// SIZE as docker takes it for `--memory`: `512m`, `1g`, `1024k`, `1.5g`, `100mb`, plain bytes.
/// Units are binary (k = 1024), as in docker.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || "invalid size (expected bytes or a number with k, m, g, t: 512m, 1g)".to_string();
    let lower = s.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let unit = unit.trim_start();
    let unit = unit.strip_suffix('b').unwrap_or(unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(bad()),
    };
    let value = parse_decimal(number).ok_or_else(bad)?;
    let bytes = value * (1u64 << shift) as f64;
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err("size must be at least one byte and fit in 64 bits".into());
    }
    Ok(bytes as u64)
}

/// N for `--cpus`: a positive decimal such as `1.0`, `0.5`, `2`.
pub fn parse_cpus(s: &str) -> Result<f64, String> {
    match parse_decimal(s.trim()) {
        Some(n) if n > 0.0 && n <= 4096.0 => Ok(n),
        _ => Err("invalid CPU count (expected a positive decimal: 1.0, 0.5)".into()),
    }
}

/// Digits with at most one decimal point; no signs, exponents, `inf` or `nan`.
fn parse_decimal(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || s.ends_with('.') {
        return None;
    }
    s.parse().ok()
}

/// The longest DUR taken: about 31 years.
const MAX_SECONDS: f64 = 1e9;

/// DUR as Go's time.ParseDuration spells it (`30s`, `500ms`, `2m`, `1m30s`, `1.5h`), which is
/// what mcpproxy's `timeout` holds; a bare integer counts seconds, like docker's `--stop-timeout`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || "invalid duration (expected e.g. 30s, 500ms, 2m)".to_string();
    let s = s.trim();
    // Callers add a duration to `Instant::now()`, which panics past its range: the same
    // ceiling for both spellings (found by fuzzing: `--stop-timeout 99999999999` was taken).
    let too_long = || "duration too long".to_string();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u64>() {
            Ok(n) if n <= MAX_SECONDS as u64 => Ok(Duration::from_secs(n)),
            // all digits: only too many of them fail to parse
            Ok(_) | Err(_) => Err(too_long()),
        };
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value = parse_decimal(&rest[..end]).ok_or_else(bad)?;
        rest = &rest[end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_end..];
        total += value * seconds;
    }
    if total > MAX_SECONDS {
        return Err(too_long());
    }
    Ok(Duration::from_secs_f64(total))
}

/// PORTS: `443`, `80,443`, `8000-8010` (at most 1024 ports in all: each is a kernel rule).
pub fn parse_ports(s: &str) -> Result<Vec<u16>, String> {
    let bad = || "invalid port list (expected e.g. 443 or 80,8000-8010)".to_string();
    let port = |p: &str| p.trim().parse::<u16>().ok().filter(|&p| p != 0);
    let mut ports = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (port(a).ok_or_else(bad)?, port(b).ok_or_else(bad)?);
                if a > b {
                    return Err(bad());
                }
                ports.extend(a..=b);
            }
            None => ports.push(port(part).ok_or_else(bad)?),
        }
        if ports.len() > 1024 {
            return Err("too many ports (at most 1024)".into());
        }
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

/// UID[:GID], numeric.
pub fn parse_user(s: &str) -> Result<(u32, Option<u32>), String> {
    let bad = || "invalid user (expected numeric UID or UID:GID)".to_string();
    let id = |p: &str| p.parse::<u32>().ok().filter(|&n| n != u32::MAX);
    match s.split_once(':') {
        Some((u, g)) => Ok((id(u).ok_or_else(bad)?, Some(id(g).ok_or_else(bad)?))),
        None => Ok((id(s).ok_or_else(bad)?, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let table: &[(&str, Option<u64>)] = &[
            ("512m", Some(512 << 20)),
            ("1g", Some(1 << 30)),
            ("1G", Some(1 << 30)),
            ("1024k", Some(1 << 20)),
            ("100mb", Some(100 << 20)),
            ("2GiB", Some(2 << 30)),
            ("1.5g", Some(3 << 29)),
            ("4096", Some(4096)),
            ("64 m", Some(64 << 20)),
            ("", None),
            ("m", None),
            ("0", None),
            ("-1m", None),
            ("12x", None),
            ("1e9", None),
            ("1..5g", None),
            ("5.g", None),
            ("99999999999t", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_size(input).ok(), *want, "{input:?}");
        }
    }

    #[test]
    fn cpus() {
        let table: &[(&str, Option<f64>)] = &[
            ("1.0", Some(1.0)),
            ("0.5", Some(0.5)),
            ("2", Some(2.0)),
            (".5", Some(0.5)),
            ("0", None),
            ("0.0", None),
            ("-1", None),
            ("nan", None),
            ("inf", None),
            ("1e2", None),
            ("", None),
            (".", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_cpus(input).ok(), *want, "{input:?}");
        }
    }

    #[test]
    fn durations() {
        let ms = Duration::from_millis;
        let table: &[(&str, Option<Duration>)] = &[
            ("30s", Some(ms(30_000))),
            ("500ms", Some(ms(500))),
            ("2m", Some(ms(120_000))),
            ("1m30s", Some(ms(90_000))),
            ("1.5s", Some(ms(1500))),
            ("1h", Some(ms(3_600_000))),
            ("10", Some(ms(10_000))),
            ("0", Some(ms(0))),
            ("", None),
            ("s", None),
            ("30", Some(ms(30_000))),
            ("30sec", None),
            ("-1s", None),
            ("1d", None),
            // the ceiling holds for bare seconds too (fuzzing found 999990000000 taken)
            ("1000000000", Some(ms(1_000_000_000_000))),
            ("1000000001", None),
            ("999990000000", None),
            ("18446744073709551615", None),
            ("99999999999999999999999", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_duration(input).ok(), *want, "{input:?}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(parse_ports("443"), Ok(vec![443]));
        assert_eq!(parse_ports("8080,80,80"), Ok(vec![80, 8080]));
        assert_eq!(parse_ports("8000-8002"), Ok(vec![8000, 8001, 8002]));
        for bad in ["", "0", "65536", "a", "5-3", "1-2000", "80,"] {
            assert!(parse_ports(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn users() {
        assert_eq!(parse_user("1000"), Ok((1000, None)));
        assert_eq!(parse_user("1000:100"), Ok((1000, Some(100))));
        for bad in ["", "bob", "1000:", ":1", "-1", "4294967295"] {
            assert!(parse_user(bad).is_err(), "{bad:?}");
        }
    }
}
