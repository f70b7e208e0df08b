//! Ctrl-C (SIGINT), SIGTERM (a CI runner's timeout, `docker stop`) and SIGHUP (a closed
//! terminal) while a report or baseline is written: the temporary file beside the target is
//! removed, then the process ends by the signal as it would have without us (a shell sees 130,
//! 143 or 129), so an interrupted run leaves the old file and nothing else. SIGKILL cannot be
//! caught: after it the hidden `.klar-lint*` file stays.
//!
//! The handlers are installed with the first temporary file, not at start-up: a run that writes
//! no file keeps the default behaviour untouched. A signal the process inherited as ignored
//! (`nohup` ignores SIGHUP; a shell script's `cmd &` ignores SIGINT) stays ignored. On the
//! signal, a thread (signal-hook's safe iterator: this crate forbids `unsafe`, and a handler
//! itself may call almost nothing) removes the files and re-raises the signal with its default
//! action.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, PoisonError};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The temporary files to remove on a signal.
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Makes a temporary file with `create` and removes it if the run is ended by SIGINT, SIGTERM
/// or SIGHUP before [`forget`]. The handlers are ready before the file exists, and the list is
/// held while it is made, so a signal at any moment finds the file listed (the thread that
/// removes the files waits for the list).
pub(crate) fn watched<T: AsRef<Path>>(
    create: impl FnOnce() -> std::io::Result<T>,
) -> std::io::Result<T> {
    INSTALL.call_once(install);
    let mut list = TEMPORARY.lock().unwrap_or_else(PoisonError::into_inner);
    let made = create()?;
    let path = made.as_ref();
    list.push(std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
    Ok(made)
}

/// `path` was renamed into place (or removed): no longer the signal's to remove.
pub(crate) fn forget(path: &Path) {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    TEMPORARY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|p| *p != path);
}

fn install() {
    let ignored = ignored_signals();
    let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|s| !ignored.contains(s))
        .collect();
    // Without handlers (an error here is unheard of) the run behaves as before: a signal ends
    // it and the temporary file stays, as after SIGKILL.
    let Ok(mut signals) = signal_hook::iterator::Signals::new(&wanted) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("klar-lint-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let files =
                    std::mem::take(&mut *TEMPORARY.lock().unwrap_or_else(PoisonError::into_inner));
                for file in files {
                    let _ = std::fs::remove_file(file);
                }
                // Ends the process as the signal's default action does; aborts if that fails.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::abort();
            }
        });
    drop(spawned);
}

/// The signals this process inherited as ignored, from the `SigIgn` mask of
/// `/proc/self/status` (Linux; elsewhere none are known, and all three are handled).
fn ignored_signals() -> Vec<i32> {
    std::fs::read_to_string("/proc/self/status").map_or_else(|_| Vec::new(), |s| ignored_in(&s))
}

/// The three signals that a `/proc/<pid>/status` text lists as ignored (`SigIgn`, a hex mask
/// whose bit `n - 1` is signal `n`).
fn ignored_in(status: &str) -> Vec<i32> {
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&s| u32::try_from(s - 1).is_ok_and(|bit| bit < 64 && mask & (1 << bit) != 0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_ignored_signals_are_read_from_the_status_mask() {
        // What the process inherited depends on how it was started (`nohup`, a background job
        // ignores SIGINT), so the mask is read from sample texts.
        let status = |mask: &str| {
            format!("Name:\tklar-lint\nSigBlk:\t0000000000000000\nSigIgn:\t{mask}\nSigCgt:\t0\n")
        };
        assert_eq!(ignored_in(&status("0000000000000000")), Vec::<i32>::new());
        // `nohup cmd &`: SIGHUP (bit 0) and SIGINT (bit 1), and SIGQUIT (bit 2), not handled here.
        assert_eq!(
            ignored_in(&status("0000000000000007")),
            vec![SIGINT, SIGHUP]
        );
        assert_eq!(ignored_in(&status("0000000000004000")), vec![SIGTERM]);
        assert_eq!(ignored_in("no mask here"), Vec::<i32>::new());
    }
}
