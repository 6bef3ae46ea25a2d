// A figure opens at its full size when tapped: on a phone a two-panel figure shows at a third of its size,
// too small to read, and the full-size image can be zoomed.  Without scripts the figures show as they are.
document.addEventListener("DOMContentLoaded", () => {
  for (const image of document.querySelectorAll(".cell_output img")) {
    if (image.closest("a")) continue;
    const link = document.createElement("a");
    link.href = image.getAttribute("src");
    link.className = "simkit-figure-link";
    image.replaceWith(link);
    link.appendChild(image);
  }
});
