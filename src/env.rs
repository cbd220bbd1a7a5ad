//! The server's environment: what passes from mcpjail's own, and what is added.

/// mcpjail's own variables never reach the server.
pub fn is_own(key: &str) -> bool {
    key.starts_with("MCPJAIL_")
}

/// mcpjail's environment as (key, value) pairs, minus its own variables and anything that is
/// not UTF-8 (such entries cannot be named in a plan; they are dropped, and logged).
pub fn inherited() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| match (k.into_string(), v.into_string()) {
            (Ok(k), Ok(v)) => Some((k, v)),
            (k, _) => {
                log::info!("not passing a variable that is not UTF-8: {k:?}");
                None
            }
        })
        .filter(|(k, _)| !is_own(k))
        .collect()
}

/// Sandbox mode passes only these from mcpjail's environment (DESIGN.md, "Sandbox mode"): what
/// a program needs to find its tools, home, locale, terminal, certificates and proxy.
pub fn sandbox_allows(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "COLORTERM",
        "TMPDIR",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "NODE_EXTRA_CA_CERTS",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "PIP_CERT",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
    ];
    EXACT.contains(&key) || key.starts_with("LC_") || key.starts_with("XDG_")
}

/// Set `key` to `value` in `env`, replacing an earlier value in place (later sources win).
pub fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => env.push((key.to_string(), value.to_string())),
    }
}

pub fn get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist() {
        for k in [
            "PATH",
            "HOME",
            "LC_ALL",
            "XDG_CACHE_HOME",
            "https_proxy",
            "SSL_CERT_FILE",
        ] {
            assert!(sandbox_allows(k), "{k}");
        }
        for k in [
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "LD_PRELOAD",
            "SSH_AUTH_SOCK",
            "MCPJAIL_X",
        ] {
            assert!(!sandbox_allows(k), "{k}");
        }
    }

    #[test]
    fn set_replaces_in_place() {
        let mut env = vec![("A".into(), "1".into()), ("B".into(), "2".into())];
        set(&mut env, "A", "3");
        set(&mut env, "C", "4");
        assert_eq!(get(&env, "A"), Some("3"));
        assert_eq!(env.len(), 3);
        assert_eq!(env[0].0, "A");
    }
}
