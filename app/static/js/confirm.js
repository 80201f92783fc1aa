// Ask before destructive actions: any submit button with data-confirm="question".
// Without JavaScript the action still works; this only adds a safety check.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
