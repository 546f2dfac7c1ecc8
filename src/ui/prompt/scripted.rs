//! The prompter of the unit tests: it answers from a script, question by question, matched by
//! the prompt's text. A question the script does not expect next (another text, another kind,
//! or none left) fails the test at once, naming both; an answer nobody asked for fails it when
//! the prompter is dropped, so a test cannot pass while a question it scripted went unasked.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::Prompter;
use crate::error::Result;
use crate::secret::Secret;

#[derive(Debug)]
enum Answer {
    /// The item whose text contains this.
    Pick(String),
    Text(String),
    Hidden(String),
    YesNo(bool),
}

impl Answer {
    fn kind(&self) -> &'static str {
        match self {
            Answer::Pick(_) => "select",
            Answer::Text(_) => "input",
            Answer::Hidden(_) => "password",
            Answer::YesNo(_) => "confirm",
        }
    }
}

#[derive(Default)]
pub(crate) struct ScriptedPrompter {
    script: RefCell<VecDeque<(String, Answer)>>,
}

impl ScriptedPrompter {
    /// A prompter expecting no question at all.
    pub(crate) fn new() -> Self {
        ScriptedPrompter::default()
    }

    /// Next, a choice asked as `prompt`: the item containing `item` is picked (the test fails
    /// when no item does).
    pub(crate) fn expect_select(self, prompt: &str, item: &str) -> Self {
        self.then(prompt, Answer::Pick(item.to_string()))
    }

    /// Next, a line asked as `prompt`, answered `text`.
    pub(crate) fn expect_input(self, prompt: &str, text: &str) -> Self {
        self.then(prompt, Answer::Text(text.to_string()))
    }

    /// Next, hidden input asked as `prompt`, answered `text`.
    pub(crate) fn expect_password(self, prompt: &str, text: &str) -> Self {
        self.then(prompt, Answer::Hidden(text.to_string()))
    }

    /// Next, a yes/no question asked as `prompt`.
    pub(crate) fn expect_confirm(self, prompt: &str, yes: bool) -> Self {
        self.then(prompt, Answer::YesNo(yes))
    }

    fn then(self, prompt: &str, answer: Answer) -> Self {
        self.script
            .borrow_mut()
            .push_back((prompt.to_string(), answer));
        self
    }

    /// The scripted answer to `prompt`, which must be the next one and of this `kind`.
    fn answer(&self, kind: &str, prompt: &str) -> Answer {
        let Some((expected, answer)) = self.script.borrow_mut().pop_front() else {
            panic!("unexpected question: {kind} `{prompt}` (the script has no more answers)");
        };
        assert!(
            expected == prompt && answer.kind() == kind,
            "asked {kind} `{prompt}`, but the script's next answer is for {} `{expected}`",
            answer.kind()
        );
        answer
    }
}

impl Prompter for ScriptedPrompter {
    fn select(&self, prompt: &str, items: &[String], _default: usize) -> Result<usize> {
        let Answer::Pick(wanted) = self.answer("select", prompt) else {
            unreachable!("the kind was checked")
        };
        let found = items.iter().position(|item| item.contains(&wanted));
        Ok(found.unwrap_or_else(|| panic!("`{prompt}` offers no item with `{wanted}`: {items:?}")))
    }

    fn input(&self, prompt: &str, _default: Option<&str>) -> Result<String> {
        match self.answer("input", prompt) {
            Answer::Text(text) => Ok(text),
            _ => unreachable!("the kind was checked"),
        }
    }

    fn password(&self, prompt: &str) -> Result<Secret> {
        match self.answer("password", prompt) {
            Answer::Hidden(text) => Ok(Secret::new(text)),
            _ => unreachable!("the kind was checked"),
        }
    }

    fn confirm(&self, prompt: &str, _default: bool) -> Result<bool> {
        match self.answer("confirm", prompt) {
            Answer::YesNo(yes) => Ok(yes),
            _ => unreachable!("the kind was checked"),
        }
    }
}

impl Drop for ScriptedPrompter {
    fn drop(&mut self) {
        // A test already failing says why itself; a second panic would abort the run.
        if std::thread::panicking() {
            return;
        }
        let unasked: Vec<String> = self
            .script
            .borrow()
            .iter()
            .map(|(prompt, answer)| format!("{} `{prompt}`", answer.kind()))
            .collect();
        assert!(
            unasked.is_empty(),
            "scripted answers nobody asked for: {unasked:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn answers_come_in_order_by_prompt_text() {
        let prompter = ScriptedPrompter::new()
            .expect_select("Runner", "two")
            .expect_input("Organization", "acme")
            .expect_password("Token", "s3cret")
            .expect_confirm("Go?", false);
        assert_eq!(
            prompter
                .select("Runner", &items(&["one (r1)", "two (r2)"]), 0)
                .unwrap(),
            1
        );
        assert_eq!(prompter.input("Organization", None).unwrap(), "acme");
        assert_eq!(prompter.password("Token").unwrap().expose(), "s3cret");
        assert!(!prompter.confirm("Go?", true).unwrap());
    }

    fn panic_text(run: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(run).unwrap_err();
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn a_question_nobody_expected_fails() {
        let text = panic_text(|| {
            let _ = ScriptedPrompter::new().input("Organization", None);
        });
        assert_eq!(
            text,
            "unexpected question: input `Organization` (the script has no more answers)"
        );
        let text = panic_text(|| {
            let prompter = ScriptedPrompter::new().expect_confirm("Go?", true);
            let _ = prompter.input("Organization", None);
        });
        assert_eq!(
            text,
            "asked input `Organization`, but the script's next answer is for confirm `Go?`"
        );
    }

    #[test]
    fn a_choice_the_items_do_not_offer_fails() {
        let text = panic_text(|| {
            let prompter = ScriptedPrompter::new().expect_select("Runner", "three");
            let _ = prompter.select("Runner", &items(&["one", "two"]), 0);
        });
        assert!(
            text.starts_with("`Runner` offers no item with `three`"),
            "{text}"
        );
    }

    #[test]
    fn an_answer_left_unasked_fails_on_drop() {
        let text = panic_text(|| drop(ScriptedPrompter::new().expect_confirm("Go?", true)));
        assert_eq!(
            text,
            "scripted answers nobody asked for: [\"confirm `Go?`\"]"
        );
    }
}
