# Sphinx configuration of the reports site (built by `make reports`: helpers.results.book).
# The sources beside this file in the build folder (index.md and the notebook copies) are
# generated from the executed notebooks; nothing here is edited per run.
project = "CRM analytics workbook"
author = "CRM analytics workbook contributors"
copyright = "the workbook's authors; Online Retail II data: Chen (2012), CC BY 4.0"

extensions = ["myst_nb", "helpers.results.book"]  # the second renders formulas as MathML
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The notebooks are shown as executed by `make all`: never run again here.
nb_execution_mode = "off"
nb_output_stderr = "remove"  # warnings and progress bars are log noise in a report
nb_merge_streams = True

# $...$ and $$...$$ as in pandoc (no space inside the dollars, no digit after the closing one),
# so "$5 and $10" stays text; rendered as MathML by helpers.results.book (no MathJax, no CDN).
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_heading_anchors = 3
html_math_renderer = "mathml"

html_theme = "furo"
html_title = "CRM analytics workbook"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_copy_source = False  # the notebooks are in reports/notebooks; no second copy
html_show_sourcelink = False
html_show_search_summary = False  # summaries fetch() each page, which file:// forbids
html_last_updated_fmt = None
html_permalinks_icon = "#"
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
