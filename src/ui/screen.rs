//! A stream that keeps everything written to it: what a unit test reads back of the UI, and
//! the screen of each of `apply`'s runs (`flows/fleet.rs`), told apart from the terminal.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Clones share what was written, so a test hands one to the [`Ui`](super::Ui) and reads the
/// other.
#[derive(Clone, Default)]
pub(crate) struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("screen lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    /// Everything written so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("screen lock")).into_owned()
    }
}
