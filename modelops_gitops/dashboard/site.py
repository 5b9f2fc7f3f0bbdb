"""Every file of the dashboard, path -> bytes, from `Sources` (no disk, no clock, no network).

    index.html               inventory: models, owners, risk tiers, stages and sync, health;
                             DORA-style figures over the whole ledger
    models/<model>.html      stages, figures, timeline of applied changes, trends, versions
    plots/<model>/NN.svg     one trend chart per metric
    lineage/<model>.html     datasets -> versions -> stage holdings -> ledger entries (SVG, table)
    reports/<model>/...      copies of audit/reports/, so report links work offline
    assets/style.css         the one stylesheet (no web fonts, no CDN, no script)
    favicon.ico              so no page's icon request fails
    as-of/index.html         each day a change was applied (dashboard/as_of.py)
    as-of/<YYYY-MM-DD>.html  what held every stage that day, approved by whom, on what evidence
    .modelops-dashboard      marker: lets `report` replace a folder it wrote before

Links are relative, so the site works from file:// and from GitHub Pages.
"""

from __future__ import annotations

import struct
from collections import Counter
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from modelops_gitops import __version__
from modelops_gitops.audit.unverified import Unverified
from modelops_gitops.dashboard import as_of, lineage_page, metrics, views
from modelops_gitops.dashboard.plots import trend_svg
from modelops_gitops.dashboard.sources import Sources

MARKER = ".modelops-dashboard"
MARKER_TEXT = b"Written by `modelops-gitops report`; `report --out` replaces this folder.\n"
STYLESHEET = "assets/style.css"


def _favicon() -> bytes:
    """A 1x1 navy icon: served at the site root, a browser's /favicon.ico request (from the
    copied report pages too) finds a file instead of logging a 404."""
    image = struct.pack("<IiiHHIIiiII", 40, 1, 2, 1, 32, 0, 8, 0, 0, 0, 0)
    image += bytes((0x40, 0x22, 0x0D, 0xFF)) + bytes(4)  # one BGRA pixel, then the AND mask
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 1, 1, 0, 0, 1, 32, len(image), 6 + 16)
    return header + entry + image


FAVICON = _favicon()


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("modelops_gitops", "templates/dashboard"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build(
    sources: Sources, check: Unverified | None = None, notes: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """The whole site. `check`: what `audit verify` left unverified (None: not run);
    `notes`: its notes, shown in every page's footer."""
    trust, marked = views.trust_view(sources, check, notes)
    state = sources.state
    lifecycle = state.lifecycle.spec.stage_names() if state.lifecycle else []
    stages = metrics.stage_order(
        lifecycle, *([row.stage for row in status.stages] for status in sources.statuses.values())
    )
    last_stage = lifecycle[-1] if lifecycle else (stages[-1] if stages else "")
    ledger = views.grouped(sources)
    models = [
        views.model_view(sources, state.models[name], stages, last_stage, ledger, marked)
        for name in sorted(state.models)
    ]
    overall = metrics.dora(
        sources.entries, last_stage=last_stage, registered=sources.registered, span=ledger.span
    )
    env = environment()
    common = {
        "repository": state.settings.metadata.name,
        "head": sources.head,
        "head_time": sources.head_time,
        "version": __version__,
        "last_stage": last_stage,
        "trust": trust,
    }
    syncs = Counter(cell.sync for model in models for cell in model.stages if cell.sync)
    files: dict[str, bytes] = {
        MARKER: MARKER_TEXT,
        "favicon.ico": FAVICON,
        STYLESHEET: resources.files("modelops_gitops")
        .joinpath("templates/dashboard/style.css")
        .read_bytes(),
        "index.html": env.get_template("index.html.j2")
        .render(
            common,
            root="",
            stages=stages,
            models=models,
            figures=views.figures(overall, last_stage),
            syncs=[
                (name, syncs.get(name, 0))
                for name in ("in sync", "out of sync", "unapproved drift")
            ],
            entries=len(sources.entries),
            gone=[
                (name, views.stage_cells(status, [row.stage for row in status.stages], marked))
                for name, status in sorted(sources.statuses.items())
                if name not in state.models
            ],
        )
        .encode(),
    }
    files.update(as_of.pages(env, common, as_of.days(sources, stages, marked)))
    page = env.get_template("model.html.j2")
    for model in models:
        plots = []
        for n, trend in enumerate(model.trends, start=1):
            path = f"plots/{model.name}/{n:02d}.svg"
            files[path] = trend_svg(trend).encode()
            plots.append((trend.metric, f"../{path}", [s.label for s in trend.series]))
        files[f"models/{model.name}.html"] = page.render(
            common, root="../", model=model, plots=plots
        ).encode()
    files.update(lineage_page.pages(env, common, sources, ledger.entries, marked))
    framed = env.get_template("report_frame.html.j2")
    for path, data in sources.reports.items():
        site_path = views.site_report_path(path)
        if trust.broken and path.endswith(".html"):
            data = _framed(framed, common, path, data, views.report_entries(sources, marked))
        files[site_path] = data
    return dict(sorted(files.items()))


def _framed(
    page: Template,
    common: dict[str, object],
    path: str,
    data: bytes,
    entries: dict[str, tuple[int, bool]],
) -> bytes:
    """An HTML audit report while the trail is broken: the banner, whether its entry is
    verified, and the committed report inside a sandboxed frame (its markup can neither hide
    the banner nor run anything). The .md and .json copies stay byte-identical."""
    seq, unverified = entries.get(path, (None, True))
    depth = "../" * (views.site_report_path(path).count("/"))
    return page.render(
        common,
        root=depth,
        path=path,
        seq=seq,
        unverified=unverified,
        source=data.decode("utf-8", errors="replace"),
    ).encode()
