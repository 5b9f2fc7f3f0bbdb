"""The repository format: from files to validated documents, and back.

    tree            `Tree`, the seam for file reads (`WorkTree` here, `git.GitTree` for a commit)
    yaml_source     bytes -> plain data with positions, refusing what YAML can hide
    yaml_locator    line and column of a key path, for every message that points at a file
    load            one file -> one validated document (kinds/), or its problems
    state           the whole repository as documents (`RepoState`)
    facts, references   checks across fields and documents
    validate, validate_cache   `validate`: every file, every problem, cached per file
    history         which version held each stage when, from git (`StageHistory`)
    schema, schema_docs   the JSON Schemas and the format reference generated from kinds/
    scaffold        the files `init` writes
    edit            `register`/`promote`/`rollback` edits that keep comments and order
    workspace       where the repository and the tool's private cache are

Depends on kinds/ and git/ only; everything above reads the repository through here.
"""
