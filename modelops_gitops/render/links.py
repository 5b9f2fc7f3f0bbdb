"""Where a finding points: `path:line`, and a URL to that line when the host is known.

links = Links.github("acme", "models", head_sha)
links.url("models/credit/model.yaml", 14)
    -> "https://github.com/acme/models/blob/<sha>/models/credit/model.yaml#L14"
Links().url(...) -> None (renderers then print the plain `path:line`)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

DEFAULT_SERVER = "https://github.com"


@dataclass(frozen=True)
class Links:
    """How to build a URL to a line of a repository file.

    `template` holds `{path}` (URL-quoted, slashes kept) and optionally `{line}`; `anchor`
    is appended when the line is known (> 0), e.g. `#L{line}`. No template: no URLs.
    """

    template: str | None = None
    anchor: str = "#L{line}"

    @classmethod
    def github(cls, owner: str, repo: str, sha: str, *, server: str = DEFAULT_SERVER) -> Links:
        """Links to `server/owner/repo/blob/sha/path#Lline` (GitHub and GitHub Enterprise)."""
        base = server.rstrip("/")
        owner, repo, sha = (quote(part, safe="") for part in (owner, repo, sha))
        return cls(template=f"{base}/{owner}/{repo}/blob/{sha}/{{path}}")

    def url(self, path: str, line: int = 0) -> str | None:
        """The URL of `path` at `line` (the file alone when line is 0); None when unknown."""
        if self.template is None or not path:
            return None
        url = self.template.format(path=quote(path, safe="/"), line=max(line, 0))
        return url + self.anchor.format(line=line) if line > 0 else url


def location(path: str, line: int = 0) -> str:
    """`path:line`, `path` when the line is unknown, "" when the file is."""
    if not path:
        return ""
    return f"{path}:{line}" if line > 0 else path
