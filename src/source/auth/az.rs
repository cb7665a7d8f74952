//! Runs the Azure CLI for azure_identity's `AzureCliCredential` (which builds the command line and parses the
//! JSON). Ours instead of azure_identity's default executor because:
//!
//! * a timed-out attempt must not leave `az` running: `az` is a shell script starting Python, so killing the
//!   direct child is not enough. The command runs in its own process group, killed as a whole when the attempt
//!   is abandoned (the future dropped by the timeout);
//! * stdin is closed, so an `az` that wants to prompt fails instead of waiting on the terminal behind the TUI;
//! * with a fixed [`EnvVars`] the command sees exactly those variables (`PATH` picks the `az`).

use std::ffi::OsStr;
use std::io;
use std::process::{Output, Stdio};

use azure_identity::Executor;

use super::EnvVars;

#[derive(Debug)]
pub(super) struct AzExecutor {
    pub(super) env: EnvVars,
}

#[async_trait::async_trait]
impl Executor for AzExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        if let Some(vars) = self.env.fixed() {
            command.env_clear().envs(vars);
        }
        #[cfg(unix)]
        command.process_group(0);
        let child = command.spawn()?;
        let group = GroupGuard(child.id());
        let output = child.wait_with_output().await;
        group.disarm();
        output
    }
}

/// Kills the process group led by the child if the run is abandoned before the child has exited.
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pgid) = self.0.and_then(|pid| i32::try_from(pid).ok()) {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours. The id cannot name another
            // group: a process-group id is not reused while any member lives, and the leader has not been reaped
            // by us (wait_with_output did not complete). With every member gone the call fails with ESRCH.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}
