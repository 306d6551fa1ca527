"""A live org's ``$metadata`` (CSDL 4.0, XML), read safely and checked.

``safe_xml`` parses without DTDs or entities, within bounds; ``reader`` turns
the document into ``document``'s typed declarations, resolving every type
reference and refusing what does not hold together, each error on its line.
"""
