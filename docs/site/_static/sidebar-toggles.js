// The sidebars' buttons, on a phone too.  pydata-sphinx-theme 0.17 listens to the first ".primary-toggle" and
// ".secondary-toggle" of a page only (pydata-sphinx-theme issue #2451); sphinx-book-theme's own buttons, the
// ones a phone shows, come second and do nothing.  Each of those passes its click on to the first.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [listened, ...others] = document.querySelectorAll(`.${kind}-toggle`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        listened.click();
      });
    }
  }
});
