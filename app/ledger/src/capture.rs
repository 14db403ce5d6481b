//! The program runs in this process, and on the host `msg!` prints to standard output (it is a
//! syscall only on SBF). While a transaction executes, file descriptor 1 points at a scratch
//! file instead: the caller's output (e.g. `spice --output json`) stays clean, and what the
//! program logged comes back with the transaction's logs.
//!
//! The test harness does not need it: libtest captures `println!` per test thread.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;

pub struct StdoutCapture {
    file: std::fs::File,
}

impl StdoutCapture {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            file: tempfile::tempfile()?,
        })
    }

    /// Runs `f` with standard output sent to the scratch file; returns its result and the
    /// lines written meanwhile.
    pub fn run<T>(&mut self, f: impl FnOnce() -> T) -> (T, Vec<String>) {
        // File descriptor 1 belongs to the whole process: two ledgers redirecting it from two
        // threads at once would restore each other's scratch file. One at a time.
        static REDIRECT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = REDIRECT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = std::io::stdout().flush();
        let _ = self.file.set_len(0);
        let _ = self.file.seek(SeekFrom::Start(0));
        // SAFETY: plain descriptor calls on descriptors this process owns; fd 1 is restored
        // before returning whatever `f` does (the runtime catches panics: errors are values).
        let saved = unsafe { libc::dup(1) };
        let redirected = saved >= 0 && unsafe { libc::dup2(self.file.as_raw_fd(), 1) } >= 0;
        let out = f();
        let _ = std::io::stdout().flush();
        if redirected {
            unsafe { libc::dup2(saved, 1) };
        }
        if saved >= 0 {
            unsafe { libc::close(saved) };
        }
        let mut text = String::new();
        let _ = self.file.seek(SeekFrom::Start(0));
        let _ = self.file.read_to_string(&mut text);
        (out, text.lines().map(str::to_string).collect())
    }
}
