"""Server-side SVG charts for the dashboard: no JavaScript, no build step.

Each function returns a complete `<svg>` element as a string; every label is
escaped, so the result is safe to mark safe in a template.
"""

from __future__ import annotations

from django.utils.html import escape

PALETTE = ("#b91c1c", "#ea580c", "#ca8a04", "#2563eb", "#6b7280", "#7c3aed")
OUTCOME_COLOURS = {"met": "#16a34a", "missed": "#dc2626", "waived": "#d97706", "open": "#9ca3af"}
W, H, PAD_L, PAD_B, PAD_T = 640, 220, 40, 40, 20


def _frame(body: list[str], title: str, height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _empty(title: str) -> str:
    return _frame(
        [
            f'<text x="{W // 2}" y="{H // 2}" text-anchor="middle" fill="#6b7280">No data in this period</text>'
        ],
        title,
    )


def _legend(names: list[str], colours: dict[str, str], y: int) -> list[str]:
    parts, x = [], PAD_L
    for name in names:
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colours[name]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


def stacked_bars(columns: list[tuple[str, dict[str, int]]], series: list[str], title: str) -> str:
    """One bar per column (e.g. a week), stacked by series (e.g. severity)."""
    if not columns:
        return _empty(title)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    top = max(1, max(sum(c.values()) for _, c in columns))
    plot_w, plot_h = W - PAD_L - 10, H - PAD_B - PAD_T
    step = plot_w / len(columns)
    bar = min(48.0, max(2.0, step * 0.7))
    body = [
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{W - 10}" y2="{PAD_T + plot_h}" stroke="#9ca3af"/>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + 4}" text-anchor="end">{top}</text>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (label, counts) in enumerate(columns):
        x = PAD_L + i * step + (step - bar) / 2
        y = float(PAD_T + plot_h)
        for name in series:
            n = counts.get(name, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[name]}">'
                f"<title>{escape(label)} {escape(name)}: {n}</title></rect>"
            )
        if len(columns) <= 16 or i % max(1, len(columns) // 8) == 0:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{PAD_T + plot_h + 14}" text-anchor="middle">{escape(label)}</text>'
            )
    body += _legend(series, colours, H - 14)
    return _frame(body, title)


def lines_against_target(
    points: list[tuple[str, dict[str, float | None]]], series: list[str], title: str
) -> str:
    """Lines of ratios to target (1.0 = exactly on target), with the target drawn at 100 %."""
    values = [v for _, p in points for v in p.values() if v is not None]
    if not values:
        return _empty(title)
    top = max(1.5, max(values) * 1.1)
    plot_w, plot_h = W - PAD_L - 10, H - PAD_B - PAD_T
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    colours = {name: PALETTE[(i + 3) % len(PALETTE)] for i, name in enumerate(series)}

    def y_of(v: float) -> float:
        return PAD_T + plot_h - plot_h * v / top

    target_y = y_of(1.0)
    body = [
        f'<line x1="{PAD_L}" y1="{target_y:.1f}" x2="{W - 10}" y2="{target_y:.1f}" stroke="#dc2626" stroke-dasharray="4 3"/>',
        f'<text x="{PAD_L - 6}" y="{target_y + 4:.1f}" text-anchor="end">100%</text>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + plot_h}" text-anchor="end">0</text>',
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{W - 10}" y2="{PAD_T + plot_h}" stroke="#9ca3af"/>',
    ]
    for name in series:
        coords = [
            (
                PAD_L + i * step if len(points) > 1 else PAD_L + plot_w / 2,
                y_of(p[name] or 0.0),
                label,
                p[name],
            )
            for i, (label, p) in enumerate(points)
            if p.get(name) is not None
        ]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coords)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colours[name]}" stroke-width="2"/>'
            )
        for x, y, label, v in coords:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colours[name]}">'
                f"<title>{escape(label)} {escape(name)}: {v:.0%} of target</title></circle>"
            )
    for i, (label, _) in enumerate(points):
        if len(points) <= 16 or i % max(1, len(points) // 8) == 0:
            x = PAD_L + i * step if len(points) > 1 else PAD_L + plot_w / 2
            body.append(
                f'<text x="{x:.1f}" y="{PAD_T + plot_h + 14}" text-anchor="middle">{escape(label)}</text>'
            )
    body += _legend(series, colours, H - 14)
    return _frame(body, title)


def outcome_bars(rows: list[tuple[str, dict[str, int]]], title: str) -> str:
    """Horizontal 100 % bars: met / missed / waived / open per deadline kind; the figure
    at the end is the share met (a waived deadline is not met)."""
    if not rows:
        return _empty(title)
    row_h, label_w = 22, 140
    height = PAD_T + row_h * len(rows) + 30
    plot_w = W - label_w - 60
    body = []
    for i, (label, counts) in enumerate(rows):
        total = sum(counts.values()) or 1
        y = PAD_T + i * row_h
        x = float(label_w)
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
        )
        for outcome in OUTCOME_COLOURS:
            n = counts.get(outcome, 0)
            w = plot_w * n / total
            if n:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{OUTCOME_COLOURS[outcome]}">'
                    f"<title>{escape(label)} {outcome}: {n}</title></rect>"
                )
            x += w
        met_share = counts.get("met", 0) / total
        body.append(f'<text x="{label_w + plot_w + 6}" y="{y + 14}">{met_share:.0%}</text>')
    body += _legend(list(OUTCOME_COLOURS), OUTCOME_COLOURS, height - 14)
    return _frame(body, title, height)
