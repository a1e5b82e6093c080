"""The archive check: with `--archive DIR`, every claim's figure must occur in the saved text of its
source (`sources.archive` names the file), as whole words."""

from __future__ import annotations

from armsledger.model import figures
from armsledger.model.csvfile import decode_utf8
from armsledger.validate.problems import ArchiveStats, display_path
from armsledger.validate.structure import Context


def check_archive(ctx: Context) -> ArchiveStats | None:
    """Each claim's figure must occur, as whole words, in its source's archived text."""
    folder = ctx.archive_dir
    if folder is None:
        return None
    stats = ArchiveStats(folder)
    if not folder.is_dir():
        found = "is a file, not a folder" if folder.is_file() else "archive folder not found"
        ctx.add(folder, None, None, "archive-missing", found)
    sources, claims = ctx.core("sources"), ctx.core("claims")
    if sources is None or claims is None:
        return stats
    texts: dict[str, str | None] = {}
    for i, row in enumerate(sources.rows):
        name = row.get("archive", "").strip()
        sid = row["source_id"].strip()
        if not name or sid in texts:
            continue
        path = folder / name
        if not path.resolve().is_relative_to(folder.resolve()):
            texts[sid] = None
            ctx.at(sources, i, "archive", "archive-missing",
                    f'"{name}" must name a file inside the archive folder {display_path(folder)}')
            continue
        if folder.is_dir() and path.is_file():
            text, _ = decode_utf8(path.read_bytes())
            texts[sid] = figures.normalise_for_archive(text)
        else:
            texts[sid] = None
            if folder.is_dir():
                ctx.at(sources, i, "archive", "archive-missing",
                        f'"{name}" not found in {display_path(folder)}')
    for c, claim in enumerate(claims.rows):
        figure = claim.get("figure", "").strip()
        if not figure:
            stats.blank += 1
            continue
        sid = claim["source_id"].strip()
        if sid not in texts:
            stats.unverified += 1
            continue
        text = texts[sid]
        if text is None:
            stats.file_missing += 1
        elif figures.occurs_in_archive(figure, text):
            stats.verified += 1
        else:
            stats.failed += 1
            ctx.at(claims, c, "figure", "archive-figure",
                    f'"{figure}" does not occur in the archived text of source "{sid}"')
    return stats
