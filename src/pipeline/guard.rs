//! The panic guard: a bug in one file's lint becomes that file's `internal-error` finding, and
//! the panic hook that keeps such contained panics off standard error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::report::FileReport;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::json::Pointer;

/// Runs `f`, turning a panic into an `internal-error` finding for this file.
pub(crate) fn guard(path: &str, f: impl FnOnce() -> FileReport) -> FileReport {
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    match result {
        Ok(mut report) => {
            super::report::shorten_texts(&mut report);
            report
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            let place = PANIC_PLACE
                .with(std::cell::RefCell::take)
                .map(|place| format!(" (at {place})"))
                .unwrap_or_default();
            let mut report = FileReport::new(path);
            report.diagnostics.push(
                Diagnostic::new(&codes::INTERNAL_ERROR, Pointer::root(), format!("klar-lint failed on this file: {what}{place}"))
                    .with_help("this is a bug in klar-lint; please report it with the file (or a redacted copy)"),
            );
            report
        }
    }
}

thread_local! {
    /// Whether this thread is inside a [`guard`]: a panic there becomes that file's
    /// `internal-error`.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where the last contained panic happened, noted by [`install_panic_hook`].
    static PANIC_PLACE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs a panic hook for programs built on the linter: a panic inside one file's lint is
/// contained and reported as that file's `internal-error` finding (with the place it happened),
/// so the default hook's `thread panicked at ...` on standard error would only repeat it,
/// out of order with the report. This hook keeps quiet about those and hands every other
/// panic to the hook that was installed before. The `klar-lint` binary calls it first thing;
/// a library user may, or keep their own hook.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARDED.with(std::cell::Cell::get) {
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            PANIC_PLACE.with(|p| *p.borrow_mut() = place);
        } else {
            previous(info);
        }
    }));
}
