"""The course website's own Sphinx extension: the language switch on every page, the site's style, autodoc,
and each script once.

``tools/site.py`` builds each edition (中文, English) as a Jupyter Book and loads this extension with two
settings: ``simkit_edition`` (this edition's folder, "zh" or "en") and ``simkit_other_edition`` (the other
edition's folder, its name as shown, and the pages it has).  Every page gets a link to the same page in the
other edition -- or to the other edition's front page, where it has no such page -- as a plain relative
link (the site works from a file system or any static server, with no script).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def _other_edition_link(app, pagename, templatename, context, doctree):
    other = app.config.simkit_other_edition
    target = pagename if pagename in other["pages"] else "index"
    depth = pagename.count("/")
    context["simkit_other_url"] = "../" * (depth + 1) + f"{other['folder']}/{target}.html"
    context["simkit_other_name"] = other["name"]
    context["simkit_other_language"] = other["language"]


def _each_script_once(app, pagename, templatename, context, doctree):
    """Jupyter Book 1.0 adds sphinx-thebe's and togglebutton's inline scripts twice to every page; the second
    ``const THEBE_JS_URL`` is a console error on every page.  Keep the first of each."""
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts


def _configure(app, config):
    config.templates_path.append(str(HERE / "_templates"))
    config.html_static_path.append(str(HERE / "_static"))
    options = config.html_theme_options
    options["article_header_end"] = ["language-switch.html", "article-header-buttons.html"]


def setup(app):
    # the API reference: docstrings in NumPy's style (Jupyter Book's own list of extensions has neither)
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.add_config_value("simkit_edition", "zh", "html")
    app.add_config_value("simkit_other_edition", {"folder": "en", "name": "English", "language": "en",
                                                  "pages": []}, "html")
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _other_edition_link)
    app.connect("html-page-context", _each_script_once)
    app.add_css_file("simkit.css")
    app.add_js_file("sidebar-toggles.js")
    app.add_js_file("figure-links.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
