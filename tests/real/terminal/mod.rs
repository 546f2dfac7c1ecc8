//! The interactive commands in a real terminal: a pseudo-terminal driven by rexpect, as a person
//! at a keyboard would drive them (selections, hidden input, Ctrl-C), and tmux where the
//! rendered screen matters (what a spinner leaves behind).

mod interrupt;
mod login;
mod pty;
mod setup;
mod spinner;
mod tmux;
