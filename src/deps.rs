//! Everything a command needs from the outside world, built once in `main` (`app.rs`) and
//! passed down by shared reference. Tests swap each piece: prompter, browser, clock, secret
//! store, streams, environment.

use std::cell::OnceCell;
use std::sync::Arc;

use crate::clock::Clock;
use crate::env::Env;
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::stdin::Stdin;
use crate::store::SecretStore;
use crate::ui::browser::Browser;
use crate::ui::prompt::Prompter;
use crate::ui::Ui;

pub struct Deps {
    pub env: Env,
    pub ui: Ui,
    pub prompter: Box<dyn Prompter>,
    pub browser: Box<dyn Browser>,
    pub clock: Arc<dyn Clock>,
    pub http: Http,
    pub stdin: Stdin,
    pub interrupt: Interrupt,
    pub secret_store: LazyStore,
}

impl Deps {
    /// The secret store, opened on first use: a command that needs none never touches the
    /// keyring (nor warns about a plain file).
    pub fn store(&self) -> &dyn SecretStore {
        self.secret_store.get(&self.ui)
    }
}

/// Opens the secret store: the one the settings name, or a test's own. Its warnings (a plain
/// file) go to the UI it is given.
pub type OpenStore = Box<dyn Fn(&Ui) -> Box<dyn SecretStore>>;

/// A secret store opened on first use.
pub struct LazyStore {
    open: OpenStore,
    opened: OnceCell<Box<dyn SecretStore>>,
}

impl LazyStore {
    pub fn new(open: OpenStore) -> Self {
        LazyStore {
            open,
            opened: OnceCell::new(),
        }
    }

    fn get(&self, ui: &Ui) -> &dyn SecretStore {
        self.opened.get_or_init(|| (self.open)(ui)).as_ref()
    }
}
