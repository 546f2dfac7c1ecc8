//! Text on its way to the terminal. Much of what ado-scm prints comes from a service (runner
//! names, error messages, URLs, hosts) or from a local file, and a control character in it is
//! an instruction to the terminal: ESC sequences change the title, write the clipboard (OSC 52),
//! move the cursor to overwrite earlier lines; a carriage return hides what came before it.
//! Every line the UI prints goes through here once, so no caller has to remember.

use std::borrow::Cow;
use std::io::Write;

/// `text` with every C0 and C1 control character (and DEL) shown as a visible escape
/// (`\u{1b}`), except the line breaks and tabs that lay out our own text.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\n' || c == '\t')
}

/// Like [`printable`], and a line break shows too: for a piece of text that is always one line
/// (an error's message, cause or hint), so that it cannot fake a line of its own.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\t')
}

fn escape_controls(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let hostile = |c: char| c.is_control() && !keep(c);
    if !text.chars().any(hostile) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hostile(c) {
            shown.push_str(&c.escape_unicode().to_string());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// JSON text with DEL and the C1 controls escaped too (`\u009b`): JSON only requires escaping
/// the C0 ones, which serde_json does, and these can only stand inside strings, where the escape
/// means the same character. The document stays the same; the terminal it may land on is safe.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    if !json.chars().any(char::is_control) {
        return Cow::Borrowed(json);
    }
    let mut shown = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if c.is_control() && c != '\n' {
            shown.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// A writer that passes everything through [`printable`]: the `-v` log lines (which quote
/// paths, hosts and a service's words) are written through it.
pub struct PrintableWriter<W: Write>(pub W);

impl<W: Write> Write for PrintableWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The log formatter hands over one whole line per call.
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(printable(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_show_as_escapes_and_our_layout_stays() {
        let hostile = "runner\x1b]52;c;ZWNobyBwd25lZA==\x07 ok\r\u{9b}2J\x7f\x00";
        let shown = printable(hostile);
        assert_eq!(
            shown,
            "runner\\u{1b}]52;c;ZWNobyBwd25lZA==\\u{7} ok\\u{d}\\u{9b}2J\\u{7f}\\u{0}"
        );
        assert!(!shown.chars().any(char::is_control));
        assert_eq!(printable("a\n\tb"), "a\n\tb");
        assert_eq!(one_line("a\nb\tc"), "a\\u{a}b\tc");
        // Plain text is not copied, and escaping twice changes nothing.
        assert!(matches!(printable("plain ✓ text"), Cow::Borrowed(_)));
        assert_eq!(printable(&shown), shown);
    }

    #[test]
    fn json_keeps_its_meaning_with_every_control_escaped() {
        let value = serde_json::json!({"name": "a\u{1b}b\u{9b}c\u{7f}d\re\nf"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let shown = json_escaped(&text);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
            value
        );
    }

    #[test]
    fn the_log_writer_escapes_what_it_is_given() {
        let mut out = PrintableWriter(Vec::new());
        out.write_all(b"GET /x\x1b[2J \xff\n").unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "GET /x\\u{1b}[2J \u{fffd}\n"
        );
    }
}
