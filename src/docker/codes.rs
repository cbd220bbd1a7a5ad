//! The named docker failures (mcpproxy's codes). Each has a page under `docs/errors/`; the
//! error line names the code and the page, so a user can search for either.

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    DaemonDown,
    NoPermission,
    SnapApparmor,
    ImagePullFailed,
    CliNotFound,
}

impl Code {
    #[cfg(test)]
    pub const ALL: [Code; 5] = [
        Code::DaemonDown,
        Code::NoPermission,
        Code::SnapApparmor,
        Code::ImagePullFailed,
        Code::CliNotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::DaemonDown => "MCPX_DOCKER_DAEMON_DOWN",
            Code::NoPermission => "MCPX_DOCKER_NO_PERMISSION",
            Code::SnapApparmor => "MCPX_DOCKER_SNAP_APPARMOR",
            Code::ImagePullFailed => "MCPX_DOCKER_IMAGE_PULL_FAILED",
            Code::CliNotFound => "MCPX_DOCKER_CLI_NOT_FOUND",
        }
    }

    /// `CODE: what happened; hint (docs/errors/CODE.md)`, exit 125.
    pub fn error(self, what: impl std::fmt::Display) -> Error {
        Error::new(format!(
            "{0}: {what} (see docs/errors/{0}.md)",
            self.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_page() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors");
        for code in Code::ALL {
            let page = dir.join(format!("{}.md", code.as_str()));
            let text = std::fs::read_to_string(&page)
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            assert!(
                text.contains(code.as_str()),
                "{} does not name its code",
                page.display()
            );
        }
        let e = Code::DaemonDown.error("x");
        assert_eq!(e.exit, 125);
        assert_eq!(
            e.message,
            "MCPX_DOCKER_DAEMON_DOWN: x (see docs/errors/MCPX_DOCKER_DAEMON_DOWN.md)"
        );
    }
}
