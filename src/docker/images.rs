//! Which image a server runs in, and what its command is called inside it.
//!
//! The runtime table is mcpproxy's documented `default_images` (docs "Security Isolation",
//! "Runtime Detection"); a config's `default_images` is merged over it key by key.

use crate::config::Global;

/// mcpproxy's `default_images`, in its documented order.
pub const DEFAULT_IMAGES: &[(&str, &str)] = &[
    ("python", "python:3.11"),
    ("python3", "python:3.11"),
    ("uvx", "python:3.11"),
    ("pip", "python:3.11"),
    ("pipx", "python:3.11"),
    ("node", "node:20"),
    ("npm", "node:20"),
    ("npx", "node:20"),
    ("yarn", "node:20"),
    ("go", "golang:1.21-alpine"),
    ("cargo", "rust:1.75-slim"),
    ("rustc", "rust:1.75-slim"),
    ("ruby", "ruby:3.2-alpine"),
    ("gem", "ruby:3.2-alpine"),
    ("php", "php:8.2-cli-alpine"),
    ("composer", "php:8.2-cli-alpine"),
    ("binary", "alpine:3.18"),
    ("sh", "alpine:3.18"),
    ("bash", "alpine:3.18"),
];

/// The image for commands no table entry names.
pub const FALLBACK_IMAGE: &str = "alpine:3.18";

/// The registry that needs no prefix.
const DOCKER_HUB: &str = "docker.io";

/// The image chosen, and why (explain's `image_source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub image: String,
    pub source: String,
    /// The table key the command mapped to (`python3` for `python3.12`), `binary` if none.
    pub runtime: String,
}

/// The last path component of COMMAND.
pub fn basename(command: &str) -> &str {
    command.rsplit('/').next().unwrap_or(command)
}

/// `python3.11`, `python3.12`: versioned interpreters use the `python3` entry.
fn versioned_python(name: &str) -> bool {
    name.strip_prefix("python3.")
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

/// The documented table with the config's entries merged over it, key by key.
pub fn table(global: &Global) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = DEFAULT_IMAGES
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in &global.default_images {
        match out.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// The table key for COMMAND: its basename if the table has it, `python3` for a versioned
/// python, otherwise `binary`.
pub fn runtime(command: &str, table: &[(String, String)]) -> String {
    let name = basename(command);
    if table.iter().any(|(k, _)| k == name) {
        name.to_string()
    } else if versioned_python(name) {
        "python3".to_string()
    } else {
        "binary".to_string()
    }
}

/// Per-server image (or `--image`), else `default_images[runtime]`, else alpine:3.18; then the
/// registry prefix. `explicit` is the image asked for and where it came from.
pub fn choose(command: &str, explicit: Option<(&str, &str)>, global: &Global) -> Choice {
    let table = table(global);
    let runtime = runtime(command, &table);
    let (image, source) = match explicit {
        Some((image, from)) => (image.to_string(), from.to_string()),
        None => match table.iter().find(|(k, _)| *k == runtime) {
            Some((k, v)) => {
                let written = global.default_images.iter().any(|(key, _)| key == k);
                let from = if written {
                    "docker_isolation.default_images"
                } else {
                    "runtime table"
                };
                (v.clone(), format!("{from}[{k}]"))
            }
            None => (FALLBACK_IMAGE.to_string(), "fallback".to_string()),
        },
    };
    let image = with_registry(&image, global.registry.as_deref());
    Choice {
        image,
        source,
        runtime,
    }
}

/// Whether a reference names its registry: docker's rule is that the first component of a
/// name with a slash is a registry if it has a dot or a port, or is `localhost`.
pub fn names_registry(image: &str) -> bool {
    match image.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == "localhost",
        None => false,
    }
}

/// Prefix REGISTRY to an image that names none. Like mcpproxy, a one-component (official)
/// name goes under `library/`, where mirrors of Docker Hub keep official images; unlike
/// mcpproxy, `user/name` is prefixed too (mcpproxy lets it bypass the configured registry).
pub fn with_registry(image: &str, registry: Option<&str>) -> String {
    let registry = match registry.map(|r| r.trim_end_matches('/')) {
        Some(r) if !r.is_empty() && r != DOCKER_HUB && r != "index.docker.io" => r,
        _ => return image.to_string(),
    };
    if names_registry(image) {
        return image.to_string();
    }
    if image.contains('/') {
        format!("{registry}/{image}")
    } else {
        format!("{registry}/library/{image}")
    }
}

/// The command as the container runs it: a host path to a known runtime (`/usr/bin/python3`)
/// becomes its basename, since the image has its own interpreter on its PATH; other commands
/// are left as given.
pub fn command_inside(command: &str, table: &[(String, String)]) -> String {
    let name = basename(command);
    if command.contains('/')
        && name != "binary"
        && (table.iter().any(|(k, _)| k == name) || versioned_python(name))
    {
        name.to_string()
    } else {
        command.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(images: &[(&str, &str)], registry: Option<&str>) -> Global {
        Global {
            default_images: images
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            registry: registry.map(str::to_string),
            ..Global::default()
        }
    }

    #[test]
    fn whole_runtime_table() {
        #[rustfmt::skip]
        let table: &[(&str, &str, &str)] = &[
            ("python", "python:3.11", "python"),
            ("python3", "python:3.11", "python3"),
            ("python3.11", "python:3.11", "python3"),
            ("python3.12", "python:3.11", "python3"),
            ("uvx", "python:3.11", "uvx"),
            ("pip", "python:3.11", "pip"),
            ("pipx", "python:3.11", "pipx"),
            ("node", "node:20", "node"),
            ("npm", "node:20", "npm"),
            ("npx", "node:20", "npx"),
            ("yarn", "node:20", "yarn"),
            ("go", "golang:1.21-alpine", "go"),
            ("cargo", "rust:1.75-slim", "cargo"),
            ("rustc", "rust:1.75-slim", "rustc"),
            ("ruby", "ruby:3.2-alpine", "ruby"),
            ("gem", "ruby:3.2-alpine", "gem"),
            ("php", "php:8.2-cli-alpine", "php"),
            ("composer", "php:8.2-cli-alpine", "composer"),
            ("sh", "alpine:3.18", "sh"),
            ("bash", "alpine:3.18", "bash"),
            ("my-server", "alpine:3.18", "binary"),
            ("/usr/bin/python3", "python:3.11", "python3"),
            ("/usr/local/bin/node", "node:20", "node"),
            ("/opt/x/bin/custom", "alpine:3.18", "binary"),
            ("python3.x", "alpine:3.18", "binary"),
            ("python3.", "alpine:3.18", "binary"),
            ("python2", "alpine:3.18", "binary"),
        ];
        for (command, image, runtime) in table {
            let c = choose(command, None, &Global::default());
            assert_eq!(
                (c.image.as_str(), c.runtime.as_str()),
                (*image, *runtime),
                "{command}"
            );
        }
        // every documented key maps to itself
        for (key, image) in DEFAULT_IMAGES {
            let c = choose(key, None, &Global::default());
            assert_eq!((c.runtime.as_str(), c.image.as_str()), (*key, *image));
            assert_eq!(c.source, format!("runtime table[{key}]"));
        }
        assert_eq!(
            choose("python3.12", None, &Global::default()).runtime,
            "python3"
        );
        assert_eq!(
            choose("weird", None, &Global::default()).source,
            "runtime table[binary]"
        );
    }

    #[test]
    fn config_table_merges_key_by_key() {
        let g = global(&[("node", "my/node:22"), ("deno", "denoland/deno:2")], None);
        assert_eq!(choose("node", None, &g).image, "my/node:22");
        assert_eq!(
            choose("node", None, &g).source,
            "docker_isolation.default_images[node]"
        );
        // untouched keys keep the documented image
        assert_eq!(choose("npx", None, &g).image, "node:20");
        // new keys are runtimes too
        assert_eq!(choose("/usr/bin/deno", None, &g).image, "denoland/deno:2");
        // replacing `binary` changes the image of unknown commands
        let g = global(&[("binary", "debian:12")], None);
        assert_eq!(choose("server", None, &g).image, "debian:12");
        let g = global(&[("python3", "py:3.13")], None);
        assert_eq!(choose("python3.13", None, &g).image, "py:3.13");
    }

    #[test]
    fn explicit_image_wins() {
        let g = global(&[("node", "my/node:22")], None);
        let c = choose("node", Some(("custom:1", "isolation.image")), &g);
        assert_eq!(
            (c.image.as_str(), c.source.as_str()),
            ("custom:1", "isolation.image")
        );
    }

    #[test]
    fn registry_prefixing() {
        #[rustfmt::skip]
        let table: &[(&str, Option<&str>, &str)] = &[
            ("python:3.11", None, "python:3.11"),
            ("python:3.11", Some("docker.io"), "python:3.11"),
            ("python:3.11", Some(""), "python:3.11"),
            ("python:3.11", Some("mirror.local:5000"), "mirror.local:5000/library/python:3.11"),
            ("python:3.11", Some("mirror.local:5000/"), "mirror.local:5000/library/python:3.11"),
            ("mcp/fetch:1", Some("mirror.local"), "mirror.local/mcp/fetch:1"),
            ("ghcr.io/a/b:1", Some("mirror.local"), "ghcr.io/a/b:1"),
            ("localhost/a:1", Some("mirror.local"), "localhost/a:1"),
            ("host:5000/a", Some("mirror.local"), "host:5000/a"),
            ("alpine", Some("registry.example.com/hub"), "registry.example.com/hub/library/alpine"),
        ];
        for (image, registry, want) in table {
            assert_eq!(
                with_registry(image, *registry),
                *want,
                "{image} {registry:?}"
            );
        }
        let g = global(&[], Some("mirror.local"));
        assert_eq!(
            choose("node", None, &g).image,
            "mirror.local/library/node:20"
        );
        assert_eq!(
            choose("node", Some(("me/img", "--image")), &g).image,
            "mirror.local/me/img"
        );
    }

    #[test]
    fn host_paths_to_runtimes_become_basenames() {
        let t = table(&Global::default());
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            ("/usr/bin/python3", "python3"),
            ("/usr/bin/python3.11", "python3.11"),
            ("/home/me/.nvm/versions/node/v20/bin/npx", "npx"),
            ("/bin/sh", "sh"),
            ("node", "node"),
            ("/opt/server/bin/run", "/opt/server/bin/run"),
            ("./server.py", "./server.py"),
            ("/usr/bin/binary", "/usr/bin/binary"),
        ];
        for (command, want) in cases {
            assert_eq!(command_inside(command, &t), *want, "{command}");
        }
    }
}
