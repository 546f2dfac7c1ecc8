//! The interactive commands in a real terminal: a pseudo-terminal driven by rexpect, as a person
//! at a keyboard would drive them (selections, hidden input, Ctrl-C, the go-ahead of `apply` and
//! `doctor --fix`), and tmux where the rendered screen matters (what a spinner leaves behind).

mod fleet;
mod interrupt;
mod login;
mod pty;
mod setup;
mod spinner;
mod tmux;
