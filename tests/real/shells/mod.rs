//! ado-scm's completions in real shells (bash, zsh, fish, elvish in a pseudo-terminal): the
//! committed scripts, and the installed Debian package's.

mod committed;
mod harness;
mod installed;
