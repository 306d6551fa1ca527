"""``dvgen diff``: what changed between two versions of the docs, and whether
it breaks the bindings.

    sources (read each side) -> compare (changes, by rules) -> ignore ->
    report (fail-on) -> formats (text, markdown, json, github)
"""
