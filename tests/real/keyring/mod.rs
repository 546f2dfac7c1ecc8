//! `--store keyring` against a real Secret Service (gnome-keyring on a private D-Bus session,
//! `scripts/with-secret-service`): the store on its own, and the binary storing the Gitpod token.

mod cli;
mod store;
